"""Line-aligned chunks and reads by offset, on small real files and small chunk sizes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from si_paas.detect import chunks as c


def _open(path: Path, data: bytes) -> c.FileContent:
    path.write_bytes(data)
    return c.FileContent(os.open(path, os.O_RDONLY), len(data))


def test_file_content_reads_slices_by_offset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(c, "_BLOCK", 2)  # pieces of 32 bytes: a slice takes several reads
    data = bytes(range(256)) * 3
    content = _open(tmp_path / "f", data)
    assert len(content) == len(data)
    assert content[0:100] == data[0:100]
    assert content[5:700] == data[5:700]
    assert content[-10:] == data[-10:]
    assert content[700:5000] == data[700:]
    assert content[9:3] == b""
    with pytest.raises(ValueError, match="contiguous"):
        content[0:10:2]
    content.close()
    content.close()  # twice is harmless
    with pytest.raises(ValueError, match="open file"):
        content[0:1]


def test_file_content_stops_where_a_shrunk_file_ends(tmp_path: Path) -> None:
    path = tmp_path / "f"
    content = _open(path, b"a" * 100)
    path.write_bytes(b"a" * 40)  # truncated in place: the same open file
    assert content[0:100] == b"a" * 40


def test_dropping_file_content_closes_its_descriptor(tmp_path: Path) -> None:
    content = _open(tmp_path / "f", b"abc")
    fd = content._fd
    assert fd is not None
    del content
    with pytest.raises(OSError):
        os.fstat(fd)


@pytest.mark.parametrize(
    ("pos", "expected"),
    [(-3, 0), (0, 0), (1, 2), (2, 2), (3, 5), (5, 5), (6, 9), (9, 9), (10, 10), (99, 10)],
)
def test_line_start_after(pos: int, expected: int) -> None:
    data = b"a\nbb\nccc\nd"  # lines start at 0, 2, 5, 9
    assert c.line_start_after(data, pos) == expected


@pytest.mark.parametrize(
    ("pos", "expected"), [(0, 0), (1, 0), (2, 2), (4, 2), (5, 5), (9, 9), (10, 9), (99, 9)]
)
def test_line_start_before(pos: int, expected: int) -> None:
    assert c.line_start_before(b"a\nbb\nccc\nd", pos) == expected


def test_a_line_starts_after_a_newline_in_the_first_byte() -> None:
    assert c.line_start_before(b"\nabc", 1) == 1
    assert c.line_start_before(b"\nabc", 3) == 1


def test_line_start_after_stops_where_a_shrunk_file_ends(tmp_path: Path) -> None:
    path = tmp_path / "f"
    content = _open(path, b"a" * 100)
    path.write_bytes(b"a" * 40)
    assert c.line_start_after(content, 10) == 100  # no newline: the size it was opened with


def test_line_starts_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(c, "_BLOCK", 4)
    data = b"x" * 10 + b"\n" + b"y" * 10 + b"\n"
    assert c.line_start_after(data, 1) == 11
    assert c.line_start_after(data, 12) == 22
    assert c.line_start_after(b"x" * 10, 3) == 10
    assert c.line_start_before(data, 21) == 11
    assert c.line_start_before(data, 10) == 0


def test_chunks_tile_the_file_with_whole_lines_either_side(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(c, "CHUNK_BYTES", 10)
    data = b"".join(b"line%02d\n" % i for i in range(12))  # 7-byte lines
    found = list(c.chunks(data, margin=8))
    owned = [(k.owned, k.owned_end) for k in found]
    assert owned == [(0, 14), (14, 28), (28, 42), (42, 56), (56, 70), (70, 84)]
    for k in found:
        assert data[k.start : k.start + len(k.data)] == k.data
        assert k.start <= max(0, k.owned - 8) and k.start + len(k.data) >= min(len(data), k.owned_end + 8)
        assert k.start == 0 or data[k.start - 1 : k.start] == b"\n"
    assert found[0].start == 0 and found[1].start == 0  # 14 - 8 = 6 starts inside line 0
    assert found[2].start == 14
    assert found[-1].start + len(found[-1].data) == len(data)


def test_chunks_with_the_default_margin_and_a_line_longer_than_a_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(c, "CHUNK_BYTES", 4)
    monkeypatch.setattr(c, "OVERLAP_BYTES", 1)
    data = b"ab\n" + b"x" * 20 + b"\nc\n"
    found = list(c.chunks(data))
    assert [(k.start, k.owned, k.owned_end) for k in found] == [(0, 0, 24), (3, 24, 26)]
    assert found[1].data == data[3:]
    assert list(c.chunks(b"")) == []
    assert [(k.owned, k.owned_end) for k in c.chunks(b"x" * 9)] == [(0, 9)]


def test_chunk_owning(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"".join(b"line%02d\n" % i for i in range(6))
    assert c.chunk_owning(data, 14, 28, 0) == c.Chunk(14, 14, 28, data[14:28])
    assert c.chunk_owning(data, 14, 28, 1) == c.Chunk(7, 14, 28, data[7:35])
    assert c.chunk_owning(data, 14, 28, 14) == c.Chunk(0, 14, 28, data[0:42])
    assert c.chunk_owning(data, 14, 28, 15) == c.Chunk(0, 14, 28, data[0:49])
