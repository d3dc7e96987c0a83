"""Content-addressed file storage under UPLOAD_DIR (never under static/).

A file is named by the SHA-256 of its bytes, `UPLOAD_DIR/ab/cd/<sha256>`, so the
same bytes are stored once and no name a user chose is ever part of a path.
Receiving is two steps: `receive()` streams into a temporary file inside
`UPLOAD_DIR/tmp` while hashing and counting, and yields a `Pending` file; the
caller inspects it and calls `Pending.keep()` to move it into place (fsync, then
`os.replace`). Leaving the `with` block any other way — a refusal, an exception, a
client that hung up mid-upload — removes the temporary file.

    with storage.receive(upload_dir, stream, max_bytes) as pending:
        check(pending.path)
        created = pending.keep()
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class LimitExceeded(Exception):
    """The stream holds more bytes than allowed."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


def blob_path(upload_dir: str | os.PathLike, sha256: str) -> Path:
    """Where the bytes with this hash live. The hash is checked, so a bad value
    can never point outside UPLOAD_DIR."""
    if not SHA256.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return Path(upload_dir) / sha256[:2] / sha256[2:4] / sha256


def exists(upload_dir: str | os.PathLike, sha256: str) -> bool:
    return blob_path(upload_dir, sha256).is_file()


def remove(upload_dir: str | os.PathLike, sha256: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        blob_path(upload_dir, sha256).unlink()


@dataclass
class Pending:
    """A fully received file in UPLOAD_DIR/tmp, not yet in place."""

    upload_dir: Path
    path: Path
    sha256: str
    size: int
    kept: bool = field(default=False, init=False)

    @property
    def final_path(self) -> Path:
        return blob_path(self.upload_dir, self.sha256)

    def keep(self) -> bool:
        """Move the file into place; True when it was not stored before (False
        when the same bytes already were, and the temporary copy is dropped)."""
        final = self.final_path
        if final.is_file():
            self.path.unlink()
            self.kept = True
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, final)
        _fsync_dir(final.parent)
        self.kept = True
        return True


@contextlib.contextmanager
def receive(upload_dir: str | os.PathLike, stream: BinaryIO, max_bytes: int) -> Iterator[Pending]:
    """Stream `stream` into UPLOAD_DIR/tmp, hashing as it goes; raises
    `LimitExceeded` past `max_bytes`. The temporary file is removed unless the
    block called `keep()`."""
    root = Path(upload_dir)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=".part")
    path = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise LimitExceeded(max_bytes)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        pending = Pending(upload_dir=root, path=path, sha256=digest.hexdigest(), size=size)
        yield pending
    finally:
        with contextlib.suppress(FileNotFoundError):
            if path.exists():
                path.unlink()


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
