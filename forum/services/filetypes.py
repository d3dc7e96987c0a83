"""What may be attached: the error classes, the allow-list of file types, safe
display names, and content sniffing (the `filetype` library plus a text check).

`forum.services.attachments` applies these with the limits and the storage.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

import filetype

from forum import permissions
from forum.errors import ForumError

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


def check_content(ftype: FileType, ext: str, head: bytes, tail: bytes) -> str:
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


def read_sample(f: BinaryIO) -> tuple[bytes, bytes, int]:
    """The first 64 KiB, the last 512 bytes and the size; rewinds the file."""
    f.seek(0)
    head = f.read(TEXT_SNIFF_BYTES)
    size = f.seek(0, os.SEEK_END)
    f.seek(max(0, size - 512))
    tail = f.read(512)
    f.seek(0)
    return head, tail, size
