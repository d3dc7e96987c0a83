"""Tag synonyms, kept by moderators: `wi-fi` and `wireless` mean `wifi`.

A synonym (`source`) points at a master tag. Asking or editing with the synonym
stores the master (`forum.services.tagging.resolve_tags`), `/tags/<synonym>`
redirects to the master's page, and search treats the synonym as the master.

Rules for adding one:
- both names follow the tag rules (lowercase `[a-z0-9+#.-]`, at most TAG_MAX_LEN);
- the master is an existing tag, and not itself a synonym (no chains: the
  message names the master to use instead);
- the source is not a synonym already, and not the master of other synonyms;
- when a tag named like the source exists, it is merged into the master: each
  of its questions gets the master tag instead (once, if it had both), its
  watchers watch the master, questions pinned to it are pinned to the master,
  its description moves to a master that has none, and the old `Tag` row is
  deleted, so a name is either a tag or a synonym, never both. The master's
  question count is recounted from its questions. The moved threads are
  reported to the unit of work, so the search index and page cache follow the
  commit.

Removing a synonym does not undo a merge: the questions keep the master tag.
Both actions are audited (`tag_synonym.added`, `tag_synonym.removed`).

Reading the map (`synonym_map`, `canonical_tag`) lives in the core
(`forum.services.tagging`), which must not import moderation; they are
re-exported here for moderation's callers.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from forum import changes, permissions
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.inputs import TAG_RE
from forum.models import Post, Tag, TagSynonym, TagWatch, User, question_tags
from forum.services.tagging import canonical_tag, forget_synonyms, synonym_map
from moderation import audit

__all__ = ["add_synonym", "canonical_tag", "creators", "list_synonyms", "remove_synonym",
           "synonym_map"]


def list_synonyms() -> list[TagSynonym]:
    """Every synonym, by master tag name, then source."""
    return list(db.session.scalars(
        select(TagSynonym).join(Tag, Tag.id == TagSynonym.tag_id)
        .order_by(Tag.name, TagSynonym.source)))


def creators(synonyms: list[TagSynonym]) -> dict[int, User]:
    """The moderators who added these synonyms, by id (for the list page)."""
    ids = {s.created_by_id for s in synonyms if s.created_by_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _tag_name(value: Any, what: str, errors: dict[str, str], field: str) -> str:
    name = value.strip().lower() if isinstance(value, str) else ""
    longest = int(current_app.config["TAG_MAX_LEN"])
    if not name:
        errors[field] = f"Give the {what}."
    elif len(name) > longest:
        errors[field] = f"A tag name has at most {longest} characters."
    elif not TAG_RE.match(name):
        errors[field] = f"'{name[:40]}' is not a tag name: use lowercase letters, digits and + # . -"
    return name


def _validate(source_value: Any, target_value: Any) -> tuple[str, Tag]:
    """The clean source name and the master tag, or a ValidationError."""
    errors: dict[str, str] = {}
    source = _tag_name(source_value, "synonym", errors, "source")
    target = _tag_name(target_value, "master tag", errors, "tag")
    if errors:
        raise ValidationError(errors)
    if source == target:
        raise ValidationError({"source": "A tag cannot be a synonym of itself."})
    target_as_synonym = db.session.scalar(select(TagSynonym).where(TagSynonym.source == target))
    if target_as_synonym is not None:
        master_name = target_as_synonym.tag.name
        hint = (f" Make '{source}' a synonym of '{master_name}' instead."
                if master_name != source else "")
        errors["tag"] = f"'{target}' is itself a synonym of '{master_name}'.{hint}"
    master = db.session.scalar(select(Tag).where(Tag.name == target))
    if master is None and target_as_synonym is None:
        errors["tag"] = f"There is no tag '{target}'. The master must be an existing tag."
    existing = db.session.scalar(select(TagSynonym).where(TagSynonym.source == source))
    if existing is not None:
        errors["source"] = f"'{source}' is already a synonym of '{existing.tag.name}'."
    else:
        own = list(db.session.scalars(
            select(TagSynonym.source).join(Tag, Tag.id == TagSynonym.tag_id)
            .where(Tag.name == source).order_by(TagSynonym.source)))
        if own:
            listed = ", ".join(f"'{s}'" for s in own)
            errors["source"] = (f"'{source}' is the master tag of {listed}; remove "
                                f"{'that synonym' if len(own) == 1 else 'those synonyms'} first.")
    if errors:
        raise ValidationError(errors)
    return source, master


@changes.transaction
def add_synonym(actor, source: Any, target: Any) -> TagSynonym:
    """Make `source` a synonym of the existing tag `target`, merging a tag named
    `source` into it (see the module docstring)."""
    permissions.require("manage_tag_synonyms", actor)
    source, master = _validate(source, target)
    old = db.session.scalar(select(Tag).where(Tag.name == source))
    merged: dict[str, Any] = {}
    if old is not None:
        merged = _merge_tag(old, master)
    synonym = TagSynonym(source=source, tag_id=master.id, created_by_id=actor.id)
    db.session.add(synonym)
    try:
        db.session.flush()
    except IntegrityError:      # someone added the same synonym a moment ago
        raise ValidationError({"source": f"'{source}' is already a synonym."}) from None
    audit.record(actor, "tag_synonym.added", ("tag_synonym", synonym.id),
                 f"{source} -> {master.name}", source=source, tag=master.name, **merged)
    changes.after_commit(forget_synonyms)
    return synonym


def _merge_tag(old: Tag, master: Tag) -> dict[str, Any]:
    """Move everything of `old` to `master` and delete `old`; what moved, for the
    audit line."""
    # Lock order: posts before tags (an edit locks its post, then counts its tags).
    pinned = list(db.session.scalars(select(Post.id).where(Post.pinned_tag == old.name)))
    if pinned:
        db.session.execute(update(Post).where(Post.id.in_(pinned))
                           .values(pinned_tag=master.name))
    db.session.execute(select(Tag.id).where(Tag.id.in_([old.id, master.id]))
                       .order_by(Tag.id).with_for_update()).all()
    moved = list(db.session.scalars(
        select(question_tags.c.question_id).where(question_tags.c.tag_id == old.id)))
    having_master = set(db.session.scalars(
        select(question_tags.c.question_id).where(question_tags.c.tag_id == master.id)))
    to_add = [q for q in moved if q not in having_master]
    db.session.execute(delete(question_tags).where(question_tags.c.tag_id == old.id))
    if to_add:
        db.session.execute(insert(question_tags),
                           [{"question_id": q, "tag_id": master.id} for q in to_add])
    for question_id in {*moved, *pinned}:
        changes.thread_changed(question_id)
    # Watchers of the old tag watch the master (once).
    watching_master = set(db.session.scalars(
        select(TagWatch.user_id).where(TagWatch.tag_id == master.id)))
    watchers = list(db.session.execute(
        select(TagWatch.user_id, TagWatch.created_at).where(TagWatch.tag_id == old.id)))
    db.session.execute(delete(TagWatch).where(TagWatch.tag_id == old.id))
    new_watches = [{"user_id": u, "tag_id": master.id, "created_at": at}
                   for u, at in watchers if u not in watching_master]
    if new_watches:
        db.session.execute(insert(TagWatch), new_watches)
    if not master.description and old.description:
        master.description = old.description
    # The cached count is of listed questions (deleting a question takes it off).
    master.question_count = db.session.scalar(
        select(func.count()).select_from(question_tags)
        .join(Post, Post.id == question_tags.c.question_id)
        .where(question_tags.c.tag_id == master.id, Post.deleted_at.is_(None))) or 0
    db.session.delete(old)
    db.session.flush()
    return {"merged_tag_id": old.id, "moved_questions": len(moved),
            "already_tagged": len(moved) - len(to_add), "watchers_moved": len(new_watches),
            "pins_moved": len(pinned)}


@changes.transaction
def remove_synonym(actor, synonym_id: int) -> None:
    """Remove a synonym. Questions merged when it was added keep the master tag."""
    permissions.require("manage_tag_synonyms", actor)
    synonym = db.session.get(TagSynonym, synonym_id)
    if synonym is None:
        raise NotFound(f"Tag synonym {synonym_id} does not exist.")
    source, master = synonym.source, synonym.tag.name
    db.session.delete(synonym)
    audit.record(actor, "tag_synonym.removed", ("tag_synonym", synonym_id),
                 f"{source} -> {master}", source=source, tag=master)
    changes.after_commit(forget_synonyms)
