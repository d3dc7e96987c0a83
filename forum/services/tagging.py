"""Tags: resolving names to rows, creating new ones (a privilege), counts, and
reading tag synonyms.

Tag synonyms (`wi-fi` -> `wifi`) are kept by moderators (`moderation.tag_synonyms`
adds and removes them); the core only reads them, here, so that asking, editing
and search can apply them without importing moderation:

- `resolve_tags` maps every name to its master tag before looking tags up, so a
  question asked or edited with `wi-fi` is stored with `wifi`, and a synonym never
  needs the create-tag privilege. It reads the synonyms of exactly the names it
  resolves from the database (one small query on a write), never the cached map:
  a worker whose map is a few seconds old must not create a tag named like a
  synonym.
- `synonym_map()` / `canonical_tag()` are for reads (every search, every tag page):
  the whole map, cached per app in each process. A change made in this process
  is seen at once (`forget_synonyms` runs after the commit that changed them);
  another gunicorn worker sees it within `TAG_SYNONYMS_CACHE_SECONDS` (default 5),
  when its copy is reloaded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from forum import changes, permissions
from forum.errors import ValidationError
from forum.extensions import db
from forum.models import Tag, TagSynonym

SYNONYMS = "crowdfix.tag_synonyms"
# (synonym, master tag name) rows
_SYNONYM_ROWS = select(TagSynonym.source, Tag.name).join(Tag, Tag.id == TagSynonym.tag_id)
SYNONYMS_CACHE_SECONDS = 5.0


def resolve_tags(user, names: Iterable[str]) -> list[Tag]:
    """Existing tags by name, synonyms mapped to their master tag (duplicates
    dropped, order kept); new names are created only with the privilege."""
    names = _masters(list(names))
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


def _masters(names: list[str]) -> list[str]:
    """Each name, or its master tag when it is a synonym; each once, in order."""
    if not names:
        return []
    masters = dict(db.session.execute(_SYNONYM_ROWS.where(TagSynonym.source.in_(names))).all())
    return list(dict.fromkeys(masters.get(n, n) for n in names))


def adjust_counts(tags: Iterable[Tag], delta: int) -> None:
    ids = [t.id for t in tags if t.id is not None]
    if ids:
        db.session.execute(
            update(Tag).where(Tag.id.in_(ids)).values(question_count=Tag.question_count + delta)
        )


# -- reading synonyms ---------------------------------------------------------------

@dataclass(frozen=True)
class _Loaded:
    mapping: dict[str, str]
    at: float


def synonym_map() -> dict[str, str]:
    """Every synonym and its master tag's name (`{"wi-fi": "wifi"}`); a copy the
    caller may keep. See the module docstring for how fresh it is."""
    loaded = current_app.extensions.get(SYNONYMS)
    now = time.monotonic()
    ttl = float(current_app.config.get("TAG_SYNONYMS_CACHE_SECONDS", SYNONYMS_CACHE_SECONDS))
    if loaded is None or now - loaded.at >= ttl:
        mapping = dict(db.session.execute(_SYNONYM_ROWS).all())
        loaded = _Loaded(mapping, now)
        # Inside a unit of work the session may see rows not committed yet (and
        # perhaps never): use them, but do not keep them for everyone else.
        if not changes.in_unit():
            current_app.extensions[SYNONYMS] = loaded
    return dict(loaded.mapping)


def canonical_tag(name: str) -> str:
    """The master tag's name when `name` is a synonym, else `name` itself."""
    return synonym_map().get(name.strip().lower(), name)


def forget_synonyms() -> None:
    """Drop this process's copy of the map (after a commit that changed it)."""
    current_app.extensions.pop(SYNONYMS, None)
