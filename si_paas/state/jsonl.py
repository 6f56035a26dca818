"""JSONL logs: whole-line locked appends with size rotation, and readers that never choke.

A log is `NAME.jsonl` (the live segment) plus rotated segments `NAME.<n>.jsonl`, a higher
`n` being newer. Appends take an exclusive `flock` on the live segment, write one whole line
and rotate by renaming the live segment once it would pass the size limit.

Readers skip what they cannot use and report it: a malformed line (torn by a full disk, a
hand edit, a record that is not an object) becomes a `BadLine` the caller can show, never an
error that blocks the command. An unterminated last line is an append still being written
(or one cut short): it is skipped silently, and the next append terminates it first.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.textfile import decode_json, open_regular

MAX_LINE = 1 << 20  # a longer line is reported, not held in memory
BLOCK = 1 << 16
ROTATE_ENV = "SI_PAAS_EVENT_LOG_MAX_BYTES"
DEFAULT_ROTATE_BYTES = 16 << 20
_ATTEMPTS = 8


@dataclass(frozen=True)
class BadLine:
    """A line a reader skipped: where it is (line number, or byte offset from the end
    reader) and why."""

    path: Path
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.reason}"


def rotate_limit(env: dict[str, str] | None = None) -> int:
    """The live segment's size limit: $SI_PAAS_EVENT_LOG_MAX_BYTES or 16 MiB (minimum 1 KiB)."""
    raw = (os.environ if env is None else env).get(ROTATE_ENV, "")
    try:
        return max(1024, int(raw)) if raw else DEFAULT_ROTATE_BYTES
    except ValueError:
        raise InputError(f"${ROTATE_ENV} {raw!r}: expected a number of bytes") from None


def segments(path: Path) -> list[Path]:
    """Every existing segment of the log at `path`, newest first (live, then n descending)."""
    pattern = re.compile(re.escape(path.stem) + r"\.([0-9]{1,9})" + re.escape(path.suffix))
    try:
        names = os.listdir(path.parent)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise InputError(f"{path.parent}: cannot list: {exc.strerror}") from None
    rotated = sorted(((int(m.group(1)), n) for n in names if (m := pattern.fullmatch(n))), reverse=True)
    live = [path] if path.name in names else []
    return live + [path.parent / n for _, n in rotated]


def _next_segment(path: Path) -> Path:
    existing = [p for p in segments(path) if p != path]
    top = int(existing[0].name[len(path.stem) + 1 : -len(path.suffix)]) if existing else 0
    return path.with_name(f"{path.stem}.{top + 1}{path.suffix}")


def _decode(raw: bytes, where: str, path: Path, bad: list[BadLine] | None) -> dict[str, Any] | None:
    try:
        record = decode_json(raw, path, "log record")
    except (ValueError, InputError):  # JSONDecodeError, UnicodeDecodeError, too deep, huge int
        reason = "invalid JSON record"
    else:
        if isinstance(record, dict):
            return record
        reason = "record is not a JSON object"
    if bad is not None:
        bad.append(BadLine(path, where, reason))
    return None


def read_lines(path: Path, bad: list[BadLine] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, record) oldest first, streaming (memory bounded by MAX_LINE)."""
    try:
        fd = open_regular(path, "log file")
    except FileNotFoundError:
        return
    with os.fdopen(fd, "rb") as handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if not raw.endswith(b"\n"):
                if len(raw) > MAX_LINE:
                    if bad is not None:
                        bad.append(BadLine(path, f"line {number}", f"line longer than {MAX_LINE} bytes"))
                    while raw and not raw.endswith(b"\n"):  # drop the rest of the long line
                        raw = handle.readline(MAX_LINE)
                    continue
                return  # unterminated last line: an append in progress or cut short
            if raw.strip() and (rec := _decode(raw, f"line {number}", path, bad)) is not None:
                yield number, rec


def read_lines_reverse(path: Path, bad: list[BadLine] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (byte offset, record) newest first, reading blocks from the end of the file.

    Memory stays bounded by BLOCK + MAX_LINE whatever the file's size.
    """
    try:
        fd = open_regular(path, "log file")
    except FileNotFoundError:
        return
    with os.fdopen(fd, "rb") as handle:
        pos = os.fstat(fd).st_size
        tail = b""
        last = True  # the first piece seen is the file's last line, which may be unterminated
        skipping = False
        while pos > 0:
            step = min(BLOCK, pos)
            pos -= step
            handle.seek(pos)
            buf = handle.read(step) + tail
            end = len(buf)
            if skipping:  # inside an over-long line: drop bytes up to its start
                nl = buf.rfind(b"\n")
                if nl < 0:
                    tail = b""
                    continue
                end, skipping = nl, False
            while (nl := buf.rfind(b"\n", 0, end)) >= 0:
                raw = buf[nl + 1 : end]
                if last:
                    last = False
                elif raw.strip() and (rec := _decode(raw, f"byte {pos + nl + 1}", path, bad)) is not None:
                    yield pos + nl + 1, rec
                end = nl
            tail = buf[:end]
            if last and tail and pos == 0:
                return  # a file of one unterminated line
            if len(tail) > MAX_LINE:
                if bad is not None:
                    bad.append(
                        BadLine(path, f"before byte {pos + end}", f"line longer than {MAX_LINE} bytes")
                    )
                tail, skipping, last = b"", True, False
        if tail.strip() and not last and (rec := _decode(tail, "byte 0", path, bad)) is not None:
            yield 0, rec


def _open_live(path: Path) -> int:
    """Open the live segment for appending, locked, and still the file at `path`."""
    for _ in range(_ATTEMPTS):
        fd = open_regular(path, "log file", os.O_RDWR | os.O_APPEND | os.O_CREAT, fsio.FILE_MODE)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # rotated while we waited for the lock: open the new live segment
    raise InputError(f"{path}: log file keeps being replaced; try again")


def append_line(path: Path, record: dict[str, Any], rotate_at: int | None = None) -> None:
    """Append one record as one whole line under an exclusive lock, rotating at `rotate_at`.

    A previous append cut short (no final newline) is terminated first, so its fragment stays
    a line of its own; a write that fails midway (a full disk) is cut back off.
    """
    fsio.ensure_dir(path.parent)
    line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    fd = _open_live(path)
    try:
        size = os.fstat(fd).st_size
        if rotate_at is not None and size and size + len(line) > rotate_at:
            os.replace(path, _next_segment(path))
            fsio.fsync_dir(path.parent)
            os.close(fd)
            fd = _open_live(path)
            size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise InputError(f"{path}: cannot append: {exc.strerror}") from None
    finally:
        os.close(fd)  # closing drops the lock
