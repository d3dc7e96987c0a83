"""forum.storage: content-addressed, atomic, nothing left behind on failure."""

from __future__ import annotations

import hashlib
import io

import pytest

from forum import storage


class BrokenStream(io.RawIOBase):
    """Gives some bytes, then fails like a client that hung up."""

    def __init__(self, good: bytes):
        self.good = io.BytesIO(good)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk = self.good.read(n)
        if not chunk:
            raise OSError("connection reset")
        return chunk


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_receive_and_keep_stores_by_sha256(tmp_path):
    data = b"hello fix\n" * 1000
    sha = hashlib.sha256(data).hexdigest()
    with storage.receive(tmp_path, io.BytesIO(data), 1_000_000) as pending:
        assert pending.sha256 == sha
        assert pending.size == len(data)
        assert pending.path.parent == tmp_path / "tmp"
        assert pending.keep() is True
    final = tmp_path / sha[:2] / sha[2:4] / sha
    assert final.read_bytes() == data
    assert files_under(tmp_path) == [final]


def test_same_bytes_are_stored_once(tmp_path):
    data = b"same bytes"
    for expected_new in (True, False):
        with storage.receive(tmp_path, io.BytesIO(data), 100) as pending:
            assert pending.keep() is expected_new
    assert files_under(tmp_path) == [storage.blob_path(tmp_path, hashlib.sha256(data).hexdigest())]


def test_temp_file_removed_when_not_kept(tmp_path):
    with storage.receive(tmp_path, io.BytesIO(b"refused"), 100) as pending:
        assert pending.path.exists()
    assert files_under(tmp_path) == []


def test_temp_file_removed_when_the_block_raises(tmp_path):
    with pytest.raises(RuntimeError), storage.receive(tmp_path, io.BytesIO(b"x" * 10), 100):
        raise RuntimeError("refused after reading")
    assert files_under(tmp_path) == []


def test_interrupted_stream_leaves_nothing(tmp_path):
    with pytest.raises(OSError, match="connection reset"), \
            storage.receive(tmp_path, BrokenStream(b"a" * 200_000), 10_000_000) as pending:
        pending.keep()
    assert files_under(tmp_path) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_limit_is_enforced_while_streaming(tmp_path):
    with pytest.raises(storage.LimitExceeded), \
            storage.receive(tmp_path, io.BytesIO(b"x" * 1001), 1000):
        pytest.fail("the block must not run")
    assert files_under(tmp_path) == []


def test_exactly_the_limit_is_accepted(tmp_path):
    with storage.receive(tmp_path, io.BytesIO(b"x" * 1000), 1000) as pending:
        assert pending.size == 1000


@pytest.mark.parametrize("bad", ["../../etc/passwd", "g" * 64, "", "AB" * 32, "0" * 63])
def test_blob_path_only_takes_a_hex_digest(tmp_path, bad):
    with pytest.raises(ValueError):
        storage.blob_path(tmp_path, bad)
