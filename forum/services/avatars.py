"""Avatars: a generated identicon for everyone, or a picture the user uploaded.

The identicon is an SVG drawn here from a hash of the user id (no Gravatar, no
request leaves the site): a 5×5 mirrored grid in one colour. An upload is read
with Pillow, so only real images pass (PNG, JPEG, GIF, WebP; the first frame of
an animation), cropped to a square, resized to AVATAR_SIZE pixels and saved again
as PNG, which drops EXIF, GPS and any other metadata. The PNG is stored
content-addressed under UPLOAD_DIR (`forum.storage`) and named on the user row.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from forum import changes, storage
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.models import Attachment, User

ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
MAX_PIXELS = 40_000_000          # refuse decompression bombs before decoding


def identicon_svg(user_id: int, size: int = 80) -> str:
    digest = hashlib.sha256(f"crowdfix-avatar:{user_id}".encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    colour = f"hsl({hue}, 55%, 45%)"
    background = f"hsl({hue}, 40%, 92%)"
    cells = []
    bits = int.from_bytes(digest[2:6], "big")
    for row in range(5):
        for col in range(3):
            if bits >> (row * 3 + col) & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x + 1}" y="{row + 1}" width="1" height="1"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="{size}" '
            f'height="{size}" shape-rendering="crispEdges" role="img" aria-hidden="true">'
            f'<rect width="7" height="7" fill="{background}"/>'
            f'<g fill="{colour}">{"".join(cells)}</g></svg>')


def _square_png(data: bytes, size: int) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
        if kind not in ACCEPTED_FORMATS:
            raise ValidationError({"avatar": "Upload a PNG, JPEG, GIF or WebP picture."})
        if width * height > MAX_PIXELS:
            raise ValidationError({"avatar": "That picture has too many pixels; use a smaller one."})
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image = ImageOps.exif_transpose(image)        # a phone's rotation, then drop EXIF
            image = image.convert("RGBA")
            image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)         # no info dict: no metadata written
            return out.getvalue()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"avatar": "That file is not a picture we can read. Upload a PNG, "
                                         "JPEG, GIF or WebP image."}) from None


def _in_use(sha256: str, user_id: int) -> bool:
    return bool(
        db.session.scalar(db.select(User.id).where(User.avatar_sha256 == sha256,
                                                   User.id != user_id).limit(1))
        or db.session.scalar(db.select(Attachment.id).where(Attachment.sha256 == sha256).limit(1)))


def _forget(old: str | None, user: User) -> None:
    """Remove the old picture's bytes after the commit, unless something else uses them."""
    if old and old != user.avatar_sha256 and not _in_use(old, user.id):
        changes.after_commit(storage.remove, current_app.config["UPLOAD_DIR"], old)


@changes.transaction
def upload(user: User, stream: Any) -> User:
    """Make a picture the user's avatar. Refused files change nothing."""
    if stream is None:
        raise ValidationError({"avatar": "Choose a picture to upload."})
    limit = int(current_app.config["AVATAR_MAX_KB"]) * 1024
    data = stream.read(limit + 1)
    if not data:
        raise ValidationError({"avatar": "Choose a picture to upload."})
    if len(data) > limit:
        raise ValidationError({"avatar": f"A picture may be at most {limit // 1024:,} KB."})
    png = _square_png(data, int(current_app.config["AVATAR_SIZE"]))
    with storage.receive(current_app.config["UPLOAD_DIR"], io.BytesIO(png), len(png)) as pending:
        pending.keep()
        sha256 = pending.sha256
    old = user.avatar_sha256
    user.avatar_sha256 = sha256
    _forget(old, user)
    return user


@changes.transaction
def remove(user: User) -> User:
    """Back to the generated avatar."""
    old = user.avatar_sha256
    user.avatar_sha256 = None
    _forget(old, user)
    return user


def uploaded_path(user: User):
    """The stored PNG of an uploaded avatar, or None (then draw the identicon)."""
    if not user.avatar_sha256:
        return None
    path = storage.blob_path(current_app.config["UPLOAD_DIR"], user.avatar_sha256)
    return path if path.is_file() else None


def picture(user_id: int) -> tuple[bytes, str]:
    """The bytes and type of a user's avatar: the uploaded PNG (small, made here,
    so read whole), or the identicon (also for deleted accounts)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    path = uploaded_path(user) if not user.is_deleted else None
    if path is not None:
        return path.read_bytes(), "image/png"
    return identicon_svg(user.id).encode(), "image/svg+xml"
