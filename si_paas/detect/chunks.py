"""Large files in line-aligned pieces, so a scan holds a chunk in memory, never the file.

A file over `LARGE_FILE_BYTES` is read by offset (`FileContent`, one `pread` per piece)
and scanned chunk by chunk. Each chunk *owns* whole lines, about `CHUNK_BYTES` of them,
and carries at least `OVERLAP_BYTES` of whole lines either side. A single-line rule's
match lies within its line, and a multi-line rule's window starts on a line the chunk owns
and runs at most 64 Ki characters (`scanner.MULTILINE_WINDOW`, at most 256 KiB of UTF-8),
so every match a whole-file scan makes is made whole in the chunk owning its first line.
A line longer than a chunk is kept whole: memory is bounded by the chunk size plus the
longest line. Chunks start right after a newline byte, which never occurs inside a UTF-8
sequence, so each decodes to exactly the characters of the whole file's decoding.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from si_paas.records import record

CHUNK_BYTES = 4 << 20
OVERLAP_BYTES = 256 << 10  # >= 64 Ki characters of UTF-8: the longest multi-line window
LARGE_FILE_BYTES = 8 << 20  # larger files are read by offset and scanned in chunks
_BLOCK = 1 << 20


class FileContent:
    """The bytes of an open regular file, read by offset: `len()` and slices only."""

    def __init__(self, fd: int, size: int) -> None:
        """Takes ownership of `fd`; `size` is the file's size when it was opened."""
        self._fd: int | None = fd
        self._size = size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, key: slice) -> bytes:
        start, stop, step = key.indices(self._size)
        if step != 1 or self._fd is None:
            raise ValueError("FileContent: contiguous slices of an open file only")
        pieces, at = [], start
        while at < stop:
            piece = os.pread(self._fd, min(stop - at, _BLOCK * 16), at)
            if not piece:  # the file shrank since it was opened
                break
            pieces.append(piece)
            at += len(piece)
        return b"".join(pieces)

    def close(self) -> None:
        """Close the file (also done when the object is dropped)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()


Content = bytes | FileContent


@record(frozen=True)
class Chunk:
    """Bytes [start, start + len(data)) of a file; the lines in [owned, owned_end) are its."""

    start: int
    owned: int
    owned_end: int
    data: bytes


def line_start_after(data: Content, pos: int) -> int:
    """The first offset >= `pos` where a line starts (len(data) if none)."""
    size = len(data)
    if pos <= 0:
        return 0
    at = pos - 1  # a line starts at pos when the byte before it is a newline
    while at < size:
        block = data[at : at + _BLOCK]
        found = block.find(b"\n")
        if found != -1:
            return at + found + 1
        if not block:
            break
        at += len(block)
    return size


def line_start_before(data: Content, pos: int) -> int:
    """The last offset <= `pos` where a line starts."""
    at = min(pos, len(data))
    while at > 0:
        lo = max(0, at - _BLOCK)
        found = data[lo:at].rfind(b"\n")
        if found != -1:
            return lo + found + 1
        at = lo
    return 0


def chunks(data: Content, margin: int | None = None) -> Iterator[Chunk]:
    """The file's chunks in order; their owned lines tile the file.

    `margin` (default OVERLAP_BYTES) is the least number of bytes of whole lines kept on
    either side of the owned lines.
    """
    size, overlap = len(data), OVERLAP_BYTES if margin is None else margin
    owned = 0
    while owned < size:
        owned_end = line_start_after(data, owned + CHUNK_BYTES)
        if owned_end <= owned:
            owned_end = size
        start = line_start_before(data, owned - overlap) if owned > overlap else 0
        end = line_start_after(data, owned_end + overlap)
        yield Chunk(start, owned, owned_end, data[start:end])
        owned = owned_end


def chunk_owning(data: Content, owned: int, owned_end: int, margin: int) -> Chunk:
    """The chunk of owned lines [owned, owned_end) with `margin` bytes of lines either side."""
    start = line_start_before(data, owned - margin) if owned > margin else 0
    end = line_start_after(data, owned_end + margin)
    return Chunk(start, owned, owned_end, data[start:end])
