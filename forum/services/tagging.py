"""Tags: resolving names to rows, creating new ones (a privilege), counts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from forum import permissions
from forum.errors import ValidationError
from forum.extensions import db
from forum.models import Tag


def resolve_tags(user, names: Iterable[str]) -> list[Tag]:
    """Existing tags by name; new names are created only with the privilege."""
    names = list(names)
    found = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    missing = [n for n in names if n not in found]
    if missing:
        denial = permissions.deny_create_tag(user)
        if denial:
            listed = ", ".join(f"'{n}'" for n in missing)
            raise ValidationError({"tags": f"No tag {listed} exists yet. {denial}"})
        for name in missing:
            found[name] = Tag(name=name)
            db.session.add(found[name])
    return [found[n] for n in names]


def adjust_counts(tags: Iterable[Tag], delta: int) -> None:
    ids = [t.id for t in tags if t.id is not None]
    if ids:
        db.session.execute(
            update(Tag).where(Tag.id.in_(ids)).values(question_count=Tag.question_count + delta)
        )
