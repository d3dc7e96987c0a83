"""Files on posts ("downloadable fixes"): what may be attached, by whom, how much.

The rules, in the order they are checked: the kind is known; the display name is
sanitised and its extension is on the allow-list; executables and installers need
the `upload_executable` permission (403); the post takes at most
ATTACHMENTS_PER_POST files (422); a file is at most MAX_UPLOAD_MB (413); a user
uploads at most ATTACHMENT_DAILY_MB in any 24 hours (429); the sniffed content
agrees with the extension (415). A refusal changes nothing: no row, no file.

`check_files` runs every check without writing, so a page can refuse files before
it creates the post they were sent with; `attach_file` stores one file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum import changes, permissions, storage
from forum.errors import ForumError, NotFound, ValidationError
from forum.extensions import db
from forum.models import ATTACHMENT_KINDS, Answer, Attachment, Blob, Post, utcnow
from forum.services.filetypes import (  # noqa: F401  (re-exported: the service's errors)
    ALLOWED,
    INLINE_TYPES,
    MB,
    SNIFF_BYTES,
    AttachmentError,
    FileType,
    QuotaExceeded,
    TooLarge,
    TooManyFiles,
    UnsupportedType,
    allowed_extensions,
    check_content,
    extension,
    read_sample,
    sanitise_filename,
    sniff,
)
from forum.services.locking import lock_post, lock_users
from forum.signals import record_staff_action

# ---------------------------------------------------------------- limits

def _limits() -> tuple[int, int, int]:
    config = current_app.config
    return (int(config["MAX_UPLOAD_MB"]) * MB, int(config["ATTACHMENTS_PER_POST"]),
            int(config["ATTACHMENT_DAILY_MB"]) * MB)


def _megabytes(n: int) -> str:
    return f"{n / MB:.1f}".removesuffix(".0") + " MB"


def _type_for(user: Any, filename: str) -> tuple[str, FileType]:
    ext = extension(filename)
    ftype = ALLOWED.get(ext)
    if ftype is None:
        shown = f".{ext} files" if ext else "Files without an extension"
        raise UnsupportedType(f"{shown} cannot be attached. Allowed: "
                              f"{', '.join(allowed_extensions(user))}.")
    if ftype.group == "executable":
        permissions.require("upload_executable", user)
    return ext, ftype


AUTO_KIND = "auto"      # "decide from the file": what the upload forms offer first


def _check_kind(kind: str | None) -> None:
    if kind not in ATTACHMENT_KINDS and kind not in ("", None, AUTO_KIND):
        raise ValidationError({"kind": f"Choose one of: {', '.join(ATTACHMENT_KINDS)} "
                                       f"(or {AUTO_KIND} to decide from the file)."})


def default_kind(on_question: bool, filename: str) -> str:
    """The kind a file gets when the uploader leaves it to us: an image is a
    screenshot; anything else is a log on a question and a fix on an answer."""
    ftype = ALLOWED.get(extension(filename))
    if ftype is not None and ftype.group == "image":
        return "screenshot"
    return "log" if on_question else "fix"


def resolve_kind(user: Any, kind: str | None, filename: str, *, on_question: bool) -> str:
    """The kind a file is stored with. A file on a question is never a fix
    unless company staff say so: an asker's log published as a "Fix" offered
    staff "Mark as verified fix"."""
    _check_kind(kind)
    if kind in ("", None, AUTO_KIND):
        return default_kind(on_question, filename)
    if on_question and kind == "fix" and (
            denial := permissions.RULES["attach_fix_to_question"](user)) is not None:
        raise ValidationError({"kind": f"{denial} Choose log, screenshot or other."})
    return kind


def _check_size(size: int, filename: str) -> None:
    max_file, _, _ = _limits()
    if size > max_file:
        raise TooLarge(f"{filename} is {_megabytes(size)}; a file may be at most "
                       f"{_megabytes(max_file)}.")
    if size == 0:
        raise ValidationError({"files": f"{filename} is empty."})


def _check_count(post_id: int | None, adding: int) -> None:
    _, per_post, _ = _limits()
    existing = _live_count(post_id) if post_id is not None else 0
    if existing + adding > per_post:
        room = max(0, per_post - existing)
        raise TooManyFiles(f"A post can carry at most {per_post} files; "
                           f"this one has room for {room} more.")


def _check_quota(user: Any, adding: int) -> None:
    _, _, daily = _limits()
    used = uploaded_today(user.id)
    if used + adding > daily:
        raise QuotaExceeded(f"You can upload {_megabytes(daily)} in 24 hours and have used "
                            f"{_megabytes(used)}; this would add {_megabytes(adding)}. "
                            "Try again later.")


def _live_count(post_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.post_id == post_id, Attachment.deleted_at.is_(None)))


def uploaded_today(user_id: int) -> int:
    """Bytes the user uploaded in the last 24 hours (deleting a file does not
    give its bytes back)."""
    return db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0)).where(
        Attachment.uploader_id == user_id,
        Attachment.created_at > utcnow() - timedelta(hours=24))) or 0


# ---------------------------------------------------------------- uploading

def present(files: Iterable[Any]) -> list[Any]:
    """The file fields a form actually filled (browsers send an empty part
    for an empty file input)."""
    return [f for f in files if f is not None and getattr(f, "filename", None)]


def chosen_names(files: list[Any]) -> list[str]:
    """The names of files a form sent, as shown when the form comes back with an
    error (browsers cannot refill a file input: they must be chosen again)."""
    return [sanitise_filename(f.filename) for f in files]


def form_errors(e: ForumError) -> dict[str, str]:
    """A refusal as the `errors` dict a form shows (its fields are `files` and
    `file_kind`)."""
    if isinstance(e, ValidationError):
        return {("file_kind" if k == "kind" else k): v for k, v in e.errors.items()}
    return {"files": e.message}


def check_files(user: Any, files: list[Any], kind: str, post: Post | None = None, *,
                on_question: bool | None = None) -> None:
    """Raise what `attach_file` would raise for these files, writing nothing.
    `post` is None when the files come with a post not created yet (then
    `on_question` says whether that post is a question). The files must be
    seekable (werkzeug's FileStorage streams are); they are rewound."""
    if not files:
        return
    if on_question is None:
        on_question = post is not None and post.is_question
    _check_kind(kind)
    if post is not None:
        permissions.require("attach", user, post)
    for f in files:
        resolve_kind(user, kind, sanitise_filename(f.filename), on_question=on_question)
    _check_count(post.id if post is not None else None, len(files))
    total = 0
    checked = []
    for f in files:
        filename = sanitise_filename(f.filename)
        ext, ftype = _type_for(user, filename)
        head, tail, size = read_sample(getattr(f, "stream", f))
        _check_size(size, filename)
        checked.append((ftype, ext, head, tail))
        total += size
    _check_quota(user, total)
    for ftype, ext, head, tail in checked:
        check_content(ftype, ext, head, tail)


def attach_file(user: Any, post_id: int, upload: Any, filename: str | None,
                kind: str = "other") -> Attachment:
    """Store one file on a post. `upload` is a FileStorage or any binary stream.
    `kind` "auto" (or empty) takes `default_kind`."""
    _check_kind(kind)
    filename = sanitise_filename(filename if filename is not None
                                 else getattr(upload, "filename", None))
    ext, ftype = _type_for(user, filename)
    post = _post(post_id)
    permissions.require("attach", user, post)
    kind = resolve_kind(user, kind, filename, on_question=post.is_question)
    _check_count(post.id, 1)
    max_file, _, _ = _limits()
    stream = getattr(upload, "stream", upload)
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)              # check_files read it
    upload_dir = current_app.config["UPLOAD_DIR"]
    try:
        with storage.receive(upload_dir, stream, max_file) as pending:
            _check_size(pending.size, filename)
            with open(pending.path, "rb") as f:
                head, tail, _ = read_sample(f)
            content_type = check_content(ftype, ext, head, tail)
            return _record(user, post_id, pending, filename, kind, content_type)
    except storage.LimitExceeded:
        raise TooLarge(f"{filename} is larger than {_megabytes(max_file)}, "
                       "the most a file may be.") from None


def _record(user: Any, post_id: int, pending: storage.Pending, filename: str, kind: str,
            content_type: str) -> Attachment:
    """The database half of an upload, in one transaction; the file is moved into
    place just before the commit and removed again if the commit fails."""
    created = False
    try:
        with changes.writing():
            post = lock_post(post_id)
            permissions.require("attach", user, post)
            lock_users(user.id)
            _check_count(post.id, 1)
            _check_quota(user, pending.size)
            _insert_blob(pending.sha256, pending.size, content_type)
            attachment = Attachment(post_id=post.id, uploader_id=user.id, sha256=pending.sha256,
                                    filename=filename, kind=kind, content_type=content_type,
                                    size=pending.size)
            db.session.add(attachment)
            db.session.flush()
            created = pending.keep()
    except Exception:
        if created and db.session.get(Blob, pending.sha256) is None:
            storage.remove(pending.upload_dir, pending.sha256)
        raise
    return attachment


def _insert_blob(sha256: str, size: int, content_type: str) -> None:
    """The blob row, unless the same bytes are already stored (two uploads of
    the same new file at once both succeed)."""
    values = {"sha256": sha256, "size": size, "content_type": content_type,
              "created_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        if db.session.get(Blob, sha256) is None:
            db.session.add(Blob(**values))
        return
    db.session.execute(insert(Blob).values(**values).on_conflict_do_nothing(
        index_elements=["sha256"]))


def attach_files(user: Any, post_id: int, files: list[Any], kind: str) -> list[str]:
    """Attach files that `check_files` accepted, to a post that now exists. A
    file that still fails does not undo the post: its message is returned."""
    failures = []
    for f in files:
        try:
            attach_file(user, post_id, f, f.filename, kind)
        except ForumError as e:
            failures.append(f"{sanitise_filename(f.filename)}: {e.message}")
        except Exception:
            current_app.logger.exception("Attaching %r to post %s failed", f.filename, post_id)
            failures.append(f"{sanitise_filename(f.filename)}: it could not be stored. "
                            "Your post was saved; try attaching the file again.")
    return failures


# ---------------------------------------------------------------- reading

def attachments_for(post_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """The live files of these posts, oldest first, in one query."""
    ids = list(post_ids)
    out: dict[int, list[Attachment]] = {}
    if not ids:
        return out
    for a in db.session.scalars(
        select(Attachment).where(Attachment.post_id.in_(ids), Attachment.deleted_at.is_(None))
        .options(joinedload(Attachment.verified_by))
        .order_by(Attachment.created_at, Attachment.id)
    ):
        out.setdefault(a.post_id, []).append(a)
    return out


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    path: Path
    inline: bool = False        # an image the browser may show: see `get_for_download`


#: For each image type served inline, what its bytes may sniff as.
_IMAGE_SNIFFS = {t.content_type: t.sniffed for t in ALLOWED.values()
                 if t.content_type in INLINE_TYPES}


def shows_inline(attachment: Attachment) -> bool:
    """An image type that pages may show in an <img> (and serve inline)."""
    return attachment.content_type in INLINE_TYPES


def _sniffs_as_image(path: Path, content_type: str) -> bool:
    """Whether the stored bytes are still the image the row says (sniffed again
    when served, not only on upload: a row or blob changed since is a download)."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return False
    return sniff(head) in _IMAGE_SNIFFS.get(content_type, ())


def _post(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or post.is_deleted:
        raise NotFound(f"Post {post_id} does not exist.")
    return post


def _hidden(attachment: Attachment, viewer: Any = None, *, flags: bool = True) -> bool:
    """True when the file, its post or the post's question is deleted, or (with
    `flags`) the post or question is hidden by flags (its author still sees those)."""
    post = db.session.get(Post, attachment.post_id)
    if attachment.deleted_at is not None or post is None:
        return True
    viewer_id = viewer.id if viewer is not None and getattr(viewer, "is_authenticated",
                                                              False) else None
    for p in (post, post.question) if isinstance(post, Answer) else (post,):
        if p.is_deleted or (flags and getattr(p, "is_hidden", False) and p.author_id != viewer_id):
            return True
    return False


def _live_attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or _hidden(attachment, flags=False):
        raise NotFound(f"File {attachment_id} does not exist.")
    return attachment


def get_for_download(viewer: Any, attachment_id: int) -> Download:
    """The file to send. Files of deleted posts (or deleted files) are missing,
    except to moderators and staff."""
    attachment = db.session.get(Attachment, attachment_id)
    staff = bool(viewer is not None and getattr(viewer, "is_authenticated", False)
                 and viewer.is_staff)
    if attachment is None or (_hidden(attachment, viewer) and not staff):
        raise NotFound(f"File {attachment_id} does not exist.")
    path = storage.blob_path(current_app.config["UPLOAD_DIR"], attachment.sha256)
    if not path.is_file():
        current_app.logger.error("Blob %s of attachment %s is missing from %s",
                                 attachment.sha256, attachment.id, path)
        raise NotFound(f"File {attachment_id} is missing from storage.")
    inline = shows_inline(attachment) and _sniffs_as_image(path, attachment.content_type)
    return Download(attachment=attachment, path=path, inline=inline)


@changes.transaction
def count_download(attachment_id: int) -> None:
    db.session.execute(update(Attachment).where(Attachment.id == attachment_id)
                       .values(download_count=Attachment.download_count + 1))


# ---------------------------------------------------------------- staff and authors

@changes.transaction
def set_verified(user: Any, attachment_id: int, verified: bool) -> Attachment:
    """Staff mark a fix file as verified (or take the mark back)."""
    attachment = _live_attachment(attachment_id)
    permissions.require("verify_file", user, attachment)
    if verified and attachment.verified_by_id is None:
        attachment.verified_by_id = user.id
        attachment.verified_at = utcnow()
    elif not verified:
        attachment.verified_by_id = None
        attachment.verified_at = None
    record_staff_action(user, "attachment.verified", ("attachment", attachment.id),
                        verified=verified)
    return attachment


@changes.transaction
def delete_attachment(user: Any, attachment_id: int) -> Attachment:
    """Hide a file (soft delete). Its bytes stay: other posts may share them."""
    attachment = _live_attachment(attachment_id)
    permissions.require("delete_attachment", user, attachment,
                        db.session.get(Post, attachment.post_id))
    attachment.deleted_at = utcnow()
    return attachment
