"""forum.services.attachments: the rules, without HTTP. Every refusal leaves no
row and no file under UPLOAD_DIR."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from forum import signals, storage
from forum.errors import NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Attachment, Blob, utcnow
from forum.services import attachments, posting
from forum.services.attachments import (
    QuotaExceeded,
    TooLarge,
    TooManyFiles,
    UnsupportedType,
    sanitise_filename,
)
from tests.factories import make_answer, make_question, make_user


def png_bytes(seed: int = 0) -> bytes:
    """A real 1x1 PNG (different seeds give different bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = zlib.compress(bytes([0, seed % 256, 0, 0]))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<html><script>alert(document.cookie)</script></html>"
ZIP = b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + b"\x00" * 100


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app) -> list[Path]:
    root = upload_dir(app)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Attachment)),
            db.session.scalar(select(func.count()).select_from(Blob)))


@pytest.fixture
def config_overrides():
    return {"MAX_UPLOAD_MB": 1, "ATTACHMENTS_PER_POST": 3, "ATTACHMENT_DAILY_MB": 2}


@pytest.fixture
def author(app):
    return make_user()


@pytest.fixture
def question(author):
    return make_question(author)


@pytest.fixture
def nothing_stored(app):
    """Asserts, after the test, that no row and no file were written."""
    yield
    assert counts() == (0, 0)
    assert stored_files(app) == []


# ---------------------------------------------------------------- filenames

@pytest.mark.parametrize("raw, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\config.txt", "config.txt"),
    ("/absolute/path/log.txt", "log.txt"),
    ("evil\x00.txt", "evil.txt"),
    ("line\nbreak\r.log", "linebreak.log"),
    ("invoice\u202egnp.exe", "invoicegnp.exe"),
    ("\u2066hidden\u2069.txt", "hidden.txt"),
    ("CON.txt", "_CON.txt"),
    ("aux", "_aux"),
    ("lpt1", "_lpt1"),
    ("com9.tar.gz", "_com9.tar.gz"),
    ("console.txt", "console.txt"),
    ("trailing. . .", "trailing"),
    ("  spaced  name .txt ", "spaced name .txt"),
    ('what?<is>:"this"|*.txt', "what__is___this___.txt"),
    ("", "file"),
    (None, "file"),
    ("...", "file"),
    ("\x00\x01\x02", "file"),
    ("résumé.txt", "résumé.txt"),
])
def test_sanitise_filename(raw, expected):
    assert sanitise_filename(raw) == expected


def test_sanitise_filename_caps_at_255_keeping_the_extension():
    name = sanitise_filename("a" * 300 + ".log")
    assert len(name) == 255
    assert name.endswith(".log")
    assert name.startswith("aaaa")


# ---------------------------------------------------------------- accepted

def test_attach_png_stores_blob_and_row(app, author, question):
    data = png_bytes()
    a = attachments.attach_file(author, question.id, upload(data, "screen.png"), "screen.png",
                                "screenshot")
    sha = hashlib.sha256(data).hexdigest()
    assert (a.sha256, a.size, a.content_type, a.kind) == (sha, len(data), "image/png", "screenshot")
    assert storage.blob_path(upload_dir(app), sha).read_bytes() == data
    assert db.session.get(Blob, sha).size == len(data)
    assert list((upload_dir(app) / "tmp").iterdir()) == []


@pytest.mark.parametrize("name, data, content_type", [
    ("notes.txt", b"Driver 1.2.3 fixed it.\n", "text/plain"),
    ("wifi.log", "2024-01-01 wlan0: disconnected – reason 3\n".encode(), "text/plain"),
    ("settings.json", b'{"power_saving": false}\n', "application/json"),
    ("config.xml", b'<?xml version="1.0"?><config><a>1</a></config>', "application/xml"),
    ("fix.patch", b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", "text/x-diff"),
    ("fix.sh", b"#!/bin/sh\nsudo modprobe -r iwlwifi\n", "application/x-sh"),
    ("fix.ps1", b"Set-NetAdapterPowerManagement -Name Wi-Fi\r\n", "text/plain"),
    ("bmw.log", b"BMW diagnostics start\n", "text/plain"),        # "BM" is a bitmap's magic
    ("utf16.log", "\ufeffWindows event log\r\n".encode("utf-16"), "text/plain"),
    ("logs.zip", ZIP, "application/zip"),
    ("logs.tar.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 50, "application/gzip"),
])
def test_allowed_types(app, author, question, name, data, content_type):
    a = attachments.attach_file(author, question.id, upload(data, name), name, "other")
    assert a.content_type == content_type
    assert a.filename == name


def test_same_bytes_twice_one_blob_two_rows(app, author, question):
    data = b"the same log\n"
    first = attachments.attach_file(author, question.id, upload(data, "a.log"), "a.log")
    answer = make_answer(question, author)
    second = attachments.attach_file(author, answer.id, upload(data, "b.txt"), "b.txt")
    assert first.id != second.id and first.sha256 == second.sha256
    assert counts() == (2, 1)
    assert len(stored_files(app)) == 1


def test_path_traversal_name_is_only_a_display_name(app, author, question):
    a = attachments.attach_file(author, question.id, upload(b"root:x:0:0\n", "x"),
                                "../../etc/passwd.txt")
    assert a.filename == "passwd.txt"
    assert stored_files(app) == [storage.blob_path(upload_dir(app), a.sha256)]
    assert not (upload_dir(app).parent / "etc").exists()


def test_executable_from_staff_is_accepted(app, question):
    staff = make_user(role="staff")
    a = attachments.attach_file(staff, question.id, upload(PE, "tool.exe"), "tool.exe", "fix")
    assert a.content_type == "application/vnd.microsoft.portable-executable"


# ---------------------------------------------------------------- refused

@pytest.mark.parametrize("name, data", [
    ("x.png", PE),                               # a PE executable named .png
    ("x.txt", HTML),                             # HTML named .txt
    ("x.txt", b"\n  <!DOCTYPE html><p>hi"),
    ("x.log", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("x.xml", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("x.txt", PE),
    ("x.zip", b"just some text, not a zip"),
    ("x.jpg", png_bytes()),
    ("x.html", b"<p>hi</p>"),
    ("x.svg", b"<svg/>"),
    ("noextension", b"text"),
])
def test_lying_or_unlisted_types_are_refused(app, author, question, nothing_stored, name, data):
    with pytest.raises(UnsupportedType) as e:
        attachments.attach_file(author, question.id, upload(data, name), name)
    assert e.value.status == 415 and e.value.code == "unsupported_type"


@pytest.mark.parametrize("name", ["tool.exe", "setup.msi", "app.dmg", "x.deb", "x.rpm",
                                  "x.apk", "x.pkg"])
def test_executables_need_staff(app, author, question, nothing_stored, name):
    with pytest.raises(PermissionDenied) as e:
        attachments.attach_file(author, question.id, upload(PE, name), name)
    assert e.value.status == 403


def test_moderator_is_not_company_staff_for_executables(app, question, nothing_stored):
    with pytest.raises(PermissionDenied):
        attachments.attach_file(make_user(role="moderator"), question.id, upload(PE, "t.exe"),
                                "t.exe")


def test_too_large_file_is_refused(app, author, question, nothing_stored):
    data = b"a" * (1024 * 1024 + 1)
    with pytest.raises(TooLarge) as e:
        attachments.attach_file(author, question.id, upload(data, "big.log"), "big.log")
    assert e.value.status == 413
    assert "1 MB" in e.value.message


def test_empty_file_is_refused(app, author, question, nothing_stored):
    with pytest.raises(ValidationError):
        attachments.attach_file(author, question.id, upload(b"", "empty.txt"), "empty.txt")


def test_unknown_kind_is_refused(app, author, question, nothing_stored):
    with pytest.raises(ValidationError) as e:
        attachments.attach_file(author, question.id, upload(b"x", "a.txt"), "a.txt", "virus")
    assert "kind" in e.value.errors


def test_per_post_count(app, author, question):
    for i in range(3):
        attachments.attach_file(author, question.id, upload(f"log {i}\n".encode(), "a.log"), "a.log")
    before = (counts(), stored_files(app))
    with pytest.raises(TooManyFiles) as e:
        attachments.attach_file(author, question.id, upload(b"one more\n", "b.log"), "b.log")
    assert e.value.status == 422 and e.value.code == "too_many_files"
    assert (counts(), stored_files(app)) == before


def test_deleted_files_free_their_place_on_the_post(app, author, question):
    ids = [attachments.attach_file(author, question.id, upload(f"{i}\n".encode(), "a.log"),
                                   "a.log").id for i in range(3)]
    attachments.delete_attachment(author, ids[0])
    attachments.attach_file(author, question.id, upload(b"fourth\n", "d.log"), "d.log")


def test_daily_quota(app, author, question):
    answer = make_answer(question, author)
    half = 1024 * 1024 - 10
    attachments.attach_file(author, question.id, upload(b"a" * half, "a.log"), "a.log")
    attachments.attach_file(author, answer.id, upload(b"b" * half, "b.log"), "b.log")
    before = (counts(), stored_files(app))
    with pytest.raises(QuotaExceeded) as e:
        attachments.attach_file(author, answer.id, upload(b"c" * 100, "c.log"), "c.log")
    assert e.value.status == 429 and e.value.code == "quota_exceeded"
    assert (counts(), stored_files(app)) == before


def test_quota_is_a_rolling_24_hours(app, author, question):
    old = [attachments.attach_file(author, question.id, upload(c * (1024 * 1024 - 25), "a.log"),
                                   "a.log") for c in (b"a", b"b")]
    with pytest.raises(QuotaExceeded):
        attachments.check_files(author, [upload(b"more\n" * 20, "b.log")], "log")
    for a in old:
        db.session.get(Attachment, a.id).created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    attachments.attach_file(author, question.id, upload(b"more\n" * 20, "b.log"), "b.log")


def test_others_cannot_attach_to_your_post(app, question, nothing_stored):
    with pytest.raises(PermissionDenied):
        attachments.attach_file(make_user(), question.id, upload(b"x\n", "a.txt"), "a.txt")


def test_suspended_author_cannot_attach(app, author, question, nothing_stored):
    author.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        attachments.attach_file(author, question.id, upload(b"x\n", "a.txt"), "a.txt")


def test_deleted_post_cannot_get_files(app, author, question, nothing_stored):
    posting.delete_post(author, question.id)
    with pytest.raises(NotFound):
        attachments.attach_file(author, question.id, upload(b"x\n", "a.txt"), "a.txt")


class Interrupted(io.RawIOBase):
    """A stream that raises midway, like a client that hangs up."""

    def __init__(self):
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.sent > 100_000:
            raise OSError("client went away")
        n = len(buffer)
        buffer[:n] = b"x" * n
        self.sent += n
        return n


def test_interrupted_upload_leaves_nothing(app, author, question, nothing_stored):
    with pytest.raises(OSError, match="client went away"):
        attachments.attach_file(author, question.id, io.BufferedReader(Interrupted()), "big.log")
    tmp = upload_dir(app) / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


def test_a_failing_commit_removes_the_new_file(app, author, question, monkeypatch, nothing_stored):
    def broken_commit():
        raise RuntimeError("database went away")
    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        attachments.attach_file(author, question.id, upload(b"log\n", "a.log"), "a.log")
    monkeypatch.undo()


# ---------------------------------------------------------------- check_files

def test_check_files_writes_nothing_and_rewinds(app, author, nothing_stored):
    files = [upload(b"fine\n", "a.txt"), upload(png_bytes(), "b.png")]
    attachments.check_files(author, files, "log")
    assert [f.stream.tell() for f in files] == [0, 0]


def test_check_files_counts_all_files_of_the_form(app, author, nothing_stored):
    files = [upload(f"{i}\n".encode(), f"{i}.txt") for i in range(4)]
    with pytest.raises(TooManyFiles):
        attachments.check_files(author, files, "log")


def test_check_files_finds_the_liar_among_good_files(app, author, nothing_stored):
    with pytest.raises(UnsupportedType):
        attachments.check_files(author, [upload(b"ok\n", "a.txt"), upload(PE, "b.png")], "other")


def test_check_files_sums_sizes_for_the_quota(app, author, nothing_stored):
    near = b"a" * (1024 * 1024 - 1)
    with pytest.raises(QuotaExceeded):
        attachments.check_files(author, [upload(near, "a.log"), upload(near, "b.log"),
                                         upload(b"c\n" * 10, "c.log")], "log")


# ---------------------------------------------------------------- reading, verifying, deleting

def test_attachments_for_groups_by_post_and_hides_deleted(app, author, question):
    answer = make_answer(question, author)
    a1 = attachments.attach_file(author, question.id, upload(b"1\n", "1.txt"), "1.txt")
    a2 = attachments.attach_file(author, answer.id, upload(b"2\n", "2.txt"), "2.txt")
    a3 = attachments.attach_file(author, answer.id, upload(b"3\n", "3.txt"), "3.txt")
    attachments.delete_attachment(author, a3.id)
    found = attachments.attachments_for([question.id, answer.id])
    assert {k: [a.id for a in v] for k, v in found.items()} == {question.id: [a1.id],
                                                               answer.id: [a2.id]}
    assert attachments.attachments_for([]) == {}


def test_download_visibility(app, author, question):
    answer = make_answer(question)
    a = attachments.attach_file(answer.author, answer.id, upload(b"fix\n", "fix.sh"), "fix.sh")
    member, moderator = make_user(), make_user(role="moderator")
    assert attachments.get_for_download(None, a.id).path.read_bytes() == b"fix\n"
    posting.delete_post(make_user(role="moderator"), question.id)     # the question goes
    for viewer in (None, member, answer.author):
        with pytest.raises(NotFound):
            attachments.get_for_download(viewer, a.id)
    assert attachments.get_for_download(moderator, a.id).attachment.id == a.id
    with pytest.raises(NotFound):
        attachments.get_for_download(None, 999_999)


def test_files_of_posts_hidden_by_flags_are_hidden(app, author, question):
    a = attachments.attach_file(author, question.id, upload(b"x\n", "x.txt"), "x.txt")
    question.hidden_at = utcnow()
    db.session.commit()
    with pytest.raises(NotFound):
        attachments.get_for_download(make_user(), a.id)
    assert attachments.get_for_download(author, a.id).attachment.id == a.id
    assert attachments.get_for_download(make_user(role="moderator"), a.id).attachment.id == a.id


def test_count_download_is_one_update(app, author, question):
    a = attachments.attach_file(author, question.id, upload(b"x\n", "x.txt"), "x.txt")
    attachments.count_download(a.id)
    attachments.count_download(a.id)
    db.session.expire_all()
    assert db.session.get(Attachment, a.id).download_count == 2


@pytest.fixture
def fix_file(app, author, question):
    answer = make_answer(question, author)      # a member's fix goes on an answer
    return attachments.attach_file(author, answer.id, upload(b"fix\n", "fix.sh"), "fix.sh",
                                   "fix")


def suspended(role: str):
    user = make_user(role=role)
    user.suspended_until = utcnow() + timedelta(days=2)
    db.session.commit()
    return user


@pytest.mark.parametrize("who", ["member", "moderator", "suspended staff", "author"])
def test_verify_refused(app, fix_file, author, who):
    user = {"member": lambda: make_user(reputation_points=5000),
            "moderator": lambda: make_user(role="moderator"),
            "suspended staff": lambda: suspended("staff"),
            "author": lambda: author}[who]()
    with pytest.raises(PermissionDenied):
        attachments.set_verified(user, fix_file.id, True)
    db.session.expire_all()
    assert db.session.get(Attachment, fix_file.id).verified_by_id is None


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_verify_and_unverify_are_recorded(app, fix_file, role):
    staff = make_user(role=role)
    seen = []

    def listener(sender, **kw):
        seen.append((sender.id, kw["action"], kw["target"], kw["details"]))
    signals.staff_action.connect(listener)
    try:
        a = attachments.set_verified(staff, fix_file.id, True)
        assert a.verified_by_id == staff.id and a.verified_at is not None
        a = attachments.set_verified(staff, fix_file.id, False)
        assert a.verified_by_id is None and a.verified_at is None
    finally:
        signals.staff_action.disconnect(listener)
    target = ("attachment", fix_file.id)
    assert seen == [(staff.id, "attachment.verified", target, {"verified": True}),
                    (staff.id, "attachment.verified", target, {"verified": False})]


def test_only_fix_files_can_be_verified(app, author, question):
    log = attachments.attach_file(author, question.id, upload(b"log\n", "a.log"), "a.log", "log")
    with pytest.raises(PermissionDenied):
        attachments.set_verified(make_user(role="staff"), log.id, True)


def test_delete_by_author_or_moderator_only(app, fix_file, author):
    with pytest.raises(PermissionDenied):
        attachments.delete_attachment(make_user(reputation_points=5000), fix_file.id)
    with pytest.raises(PermissionDenied):
        attachments.delete_attachment(suspended("moderator"), fix_file.id)
    attachments.delete_attachment(make_user(role="moderator"), fix_file.id)
    db.session.expire_all()
    assert db.session.get(Attachment, fix_file.id).deleted_at is not None
    with pytest.raises(NotFound):
        attachments.delete_attachment(author, fix_file.id)
    assert attachments.attachments_for([fix_file.post_id]) == {}
