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

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import filetype
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum import permissions, storage
from forum.errors import ForumError, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import ATTACHMENT_KINDS, Answer, Attachment, Blob, Post, utcnow
from forum.services.locking import lock_post, lock_users
from forum.signals import record_staff_action

MB = 1024 * 1024
MAX_FILENAME = 255
SNIFF_BYTES = 8192          # what `filetype` reads
TEXT_SNIFF_BYTES = 64 * 1024


class AttachmentError(ForumError):
    """That file cannot be attached."""

    field = "files"


class TooLarge(AttachmentError):
    """That file is too large."""

    status = 413
    code = "too_large"


class UnsupportedType(AttachmentError):
    """That type of file cannot be attached."""

    status = 415
    code = "unsupported_type"


class QuotaExceeded(AttachmentError):
    """You have uploaded too much today."""

    status = 429
    code = "quota_exceeded"


class TooManyFiles(AttachmentError):
    """That post already has as many files as it may."""

    status = 422
    code = "too_many_files"


# ---------------------------------------------------------------- allow-list

TEXT: frozenset[str] = frozenset()      # no magic number: checked as text instead


@dataclass(frozen=True)
class FileType:
    group: str                      # image, text, patch, script, archive, executable
    sniffed: frozenset[str]         # what the content may sniff as (TEXT: text check)
    content_type: str               # what is stored and served


def _types(group: str, sniffed: Iterable[str], content_type: str, *exts: str):
    return {ext: FileType(group, frozenset(sniffed), content_type) for ext in exts}


ZIP_CONTAINERS = (
    "application/zip", "application/epub+zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
)

ALLOWED: dict[str, FileType] = {
    **_types("image", ["image/png", "image/apng"], "image/png", "png"),
    **_types("image", ["image/jpeg"], "image/jpeg", "jpg", "jpeg"),
    **_types("image", ["image/gif"], "image/gif", "gif"),
    **_types("image", ["image/webp"], "image/webp", "webp"),
    **_types("text", TEXT, "text/plain", "txt", "log", "cfg", "conf", "ini", "toml"),
    **_types("text", TEXT, "application/json", "json"),
    **_types("text", TEXT, "application/yaml", "yaml", "yml"),
    **_types("text", TEXT, "application/xml", "xml"),
    **_types("text", TEXT, "text/csv", "csv"),
    **_types("patch", TEXT, "text/x-diff", "patch", "diff"),
    **_types("script", TEXT, "application/x-sh", "sh"),
    **_types("script", TEXT, "text/x-python", "py"),
    **_types("script", TEXT, "text/plain", "ps1", "bat", "cmd"),
    **_types("archive", ZIP_CONTAINERS, "application/zip", "zip"),
    **_types("archive", ["application/gzip"], "application/gzip", "gz", "tgz"),
    **_types("archive", ["application/x-tar"], "application/x-tar", "tar"),
    **_types("archive", ["application/x-7z-compressed"], "application/x-7z-compressed", "7z"),
    **_types("archive", ["application/x-bzip2"], "application/x-bzip2", "bz2"),
    **_types("archive", ["application/x-xz"], "application/x-xz", "xz"),
    **_types("executable", ["application/x-msdownload"], "application/vnd.microsoft.portable-executable", "exe"),
    **_types("executable", ["application/x-ole-storage"], "application/x-msi", "msi"),
    **_types("executable", ["application/x-apple-diskimage"], "application/x-apple-diskimage", "dmg"),
    **_types("executable", ["application/x-xar"], "application/x-xar", "pkg"),
    **_types("executable", ["application/x-deb"], "application/vnd.debian.binary-package", "deb"),
    **_types("executable", ["application/x-rpm"], "application/x-rpm", "rpm"),
    **_types("executable", ["application/zip"], "application/vnd.android.package-archive", "apk"),
}

# Served inline (everything else is a download), and only when sniffed as one.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

# What browsers sniff as HTML (WHATWG MIME sniffing), and SVG: never accepted as text.
MARKUP_STARTS = tuple(f"<{tag}" for tag in (
    "!doctype html", "html", "head", "body", "script", "iframe", "h1", "div", "font",
    "table", "a", "style", "title", "b", "br", "p", "svg", "object", "embed", "meta",
))
MARKUP_INSIDE = ("<svg", "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml")


def allowed_extensions(user: Any = None) -> list[str]:
    """The extensions this user may attach, for hints and `accept=`."""
    executables = user is not None and permissions.can("upload_executable", user)
    return [ext for ext, t in ALLOWED.items() if t.group != "executable" or executables]


# ---------------------------------------------------------------- filenames

WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')


def sanitise_filename(name: str | None) -> str:
    """A display name that is safe on every system and in a header: the last path
    part, without control, format (bidi override, zero-width) or reserved
    characters, no Windows device name, no leading or trailing dots and spaces,
    at most 255 characters with the extension kept; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co",
                                                                       "Zl", "Zp"))
    name = WINDOWS_FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if WINDOWS_RESERVED.match(stem.strip(" ")) or WINDOWS_RESERVED.match(name.split(".")[0]):
        name = "_" + name
    if len(name) > MAX_FILENAME:
        suffix = f".{ext}" if dot and len(ext) <= 16 else ""
        base = name[: len(name) - len(suffix)] if suffix else name
        name = base[: MAX_FILENAME - len(suffix)].rstrip(" .") + suffix
    return name or "file"


def extension(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


# ---------------------------------------------------------------- sniffing

def _custom_magic(head: bytes, tail: bytes) -> str | None:
    """Installer formats `filetype` does not know."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"          # MSI (and old Office files)
    if head.startswith(b"xar!"):
        return "application/x-xar"                  # macOS .pkg
    if len(tail) >= 512 and tail[-512:-508] == b"koly":
        return "application/x-apple-diskimage"      # UDIF trailer
    return None


def _decode_text(head: bytes) -> str | None:
    """The text of `head`, or None when it is not text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head[: len(head) - len(head) % 2].decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in head:
        return None
    for cut in range(4):                        # a multi-byte character cut at the end
        try:
            return head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    text = head.decode("cp1252", errors="replace")      # Windows logs
    if text.count("\ufffd") > len(text) // 100:
        return None
    return text


def _is_markup(text: str) -> bool:
    start = text.lstrip("\ufeff \t\r\n").lower()
    if any(start.startswith(tag) and start[len(tag):len(tag) + 1] in (" ", ">", "/", "")
           for tag in MARKUP_STARTS):
        return True
    return start.startswith("<") and any(m in start[:4096] for m in MARKUP_INSIDE)


def _text_verdict(head: bytes) -> str | None:
    """None for plain text; otherwise what it is instead."""
    text = _decode_text(head)
    if text is None:
        return "binary data"
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v\x1b")
    if controls > max(1, len(text) // 200):
        return "binary data"
    if _is_markup(text):
        return "HTML or SVG markup, which cannot be attached"
    return None


def sniff(head: bytes, tail: bytes = b"") -> str | None:
    """The content type the bytes' magic number says, or None when they have none."""
    if found := _custom_magic(head, tail):
        return found
    kind = filetype.guess(head[:SNIFF_BYTES]) if head else None
    return kind.mime if kind is not None else None


def _check_content(ftype: FileType, ext: str, head: bytes, tail: bytes) -> str:
    """The content type to store, or UnsupportedType when the bytes are not what
    the extension says. Text types are checked as text (a magic number that
    happens to be text, like "BM" at the start of a log, does not matter)."""
    if not ftype.sniffed:
        verdict = _text_verdict(head)
        if verdict is None:
            return ftype.content_type
        what = sniff(head, tail) if verdict == "binary data" else None
        raise UnsupportedType(f"The file is not a .{ext} file: its content looks like "
                              f"{what or verdict}.")
    found = sniff(head, tail)
    if found in ftype.sniffed:
        return ftype.content_type
    what = found or ("text" if _text_verdict(head) is None else "an unrecognised format")
    raise UnsupportedType(f"The file is not a .{ext} file: its content looks like {what}.")


def _read_sample(f: BinaryIO) -> tuple[bytes, bytes, int]:
    """The first 64 KiB, the last 512 bytes and the size; rewinds the file."""
    f.seek(0)
    head = f.read(TEXT_SNIFF_BYTES)
    size = f.seek(0, os.SEEK_END)
    f.seek(max(0, size - 512))
    tail = f.read(512)
    f.seek(0)
    return head, tail, size


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


def _check_kind(kind: str) -> None:
    if kind not in ATTACHMENT_KINDS:
        raise ValidationError({"kind": f"Choose one of: {', '.join(ATTACHMENT_KINDS)}."})


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


def form_errors(e: ForumError) -> dict[str, str]:
    """A refusal as the `errors` dict a form shows (its fields are `files` and
    `file_kind`)."""
    if isinstance(e, ValidationError):
        return {("file_kind" if k == "kind" else k): v for k, v in e.errors.items()}
    return {"files": e.message}


def check_files(user: Any, files: list[Any], kind: str, post: Post | None = None) -> None:
    """Raise what `attach_file` would raise for these files, writing nothing.
    `post` is None when the files come with a post not created yet. The files
    must be seekable (werkzeug's FileStorage streams are); they are rewound."""
    if not files:
        return
    _check_kind(kind)
    if post is not None:
        permissions.require("attach", user, post)
    _check_count(post.id if post is not None else None, len(files))
    total = 0
    checked = []
    for f in files:
        filename = sanitise_filename(f.filename)
        ext, ftype = _type_for(user, filename)
        head, tail, size = _read_sample(getattr(f, "stream", f))
        _check_size(size, filename)
        checked.append((ftype, ext, head, tail))
        total += size
    _check_quota(user, total)
    for ftype, ext, head, tail in checked:
        _check_content(ftype, ext, head, tail)


def attach_file(user: Any, post_id: int, upload: Any, filename: str | None,
                kind: str = "other") -> Attachment:
    """Store one file on a post. `upload` is a FileStorage or any binary stream."""
    _check_kind(kind)
    filename = sanitise_filename(filename if filename is not None
                                 else getattr(upload, "filename", None))
    ext, ftype = _type_for(user, filename)
    post = _post(post_id)
    permissions.require("attach", user, post)
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
                head, tail, _ = _read_sample(f)
            content_type = _check_content(ftype, ext, head, tail)
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
        db.session.commit()
    except Exception:
        db.session.rollback()
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
            db.session.rollback()
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

    @property
    def inline(self) -> bool:
        return self.attachment.content_type in INLINE_TYPES


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
    return Download(attachment=attachment, path=path)


def count_download(attachment_id: int) -> None:
    try:
        db.session.execute(update(Attachment).where(Attachment.id == attachment_id)
                           .values(download_count=Attachment.download_count + 1))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# ---------------------------------------------------------------- staff and authors

def set_verified(user: Any, attachment_id: int, verified: bool) -> Attachment:
    """Staff mark a fix file as verified (or take the mark back)."""
    try:
        attachment = _live_attachment(attachment_id)
        permissions.require("verify_file", user, attachment)
        if verified and attachment.verified_by_id is None:
            attachment.verified_by_id = user.id
            attachment.verified_at = utcnow()
        elif not verified:
            attachment.verified_by_id = None
            attachment.verified_at = None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    record_staff_action(user, "attachment.verified", ("attachment", attachment.id),
                        verified=verified)
    return attachment


def _deny_delete(user: Any, attachment: Attachment) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return "Log in first."
    if user.is_suspended:
        return "Your account is suspended: you cannot remove files for now."
    post = db.session.get(Post, attachment.post_id)
    if user.is_moderator or user.id in (post.author_id, attachment.uploader_id):
        return None
    return "Only the author of the post or a moderator can remove its files."


def delete_attachment(user: Any, attachment_id: int) -> Attachment:
    """Hide a file (soft delete). Its bytes stay: other posts may share them."""
    try:
        attachment = _live_attachment(attachment_id)
        if (denial := _deny_delete(user, attachment)) is not None:
            raise PermissionDenied(denial)
        attachment.deleted_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return attachment
