"""Reading the project's input files: text, JSON and YAML, each problem one line naming the file.

Also the loader of checked packs (policies, rule packs, repository configs): the checked
JSON form of a file is kept on disk by content hash (see `diskcache`), and the built object
per process, keyed on the file's path, size and mtime, since several steps of one command
load the same packs.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from si_paas.errors import InputError
from si_paas.records import record

if TYPE_CHECKING:
    import yaml

T = TypeVar("T")
_Memo = tuple[str, str, int, int, int, int]  # what, path, device, inode, mtime, size
_CACHE: dict[_Memo, Any] = {}  # built objects
_FORMS: dict[_Memo, Any] = {}  # checked forms


def _yaml_loader() -> Any:
    import yaml  # only on a cache miss: the hook's path never parses YAML

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace and cut `text` to `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: Path, what: str = "file", flags: int = os.O_RDONLY, mode: int = 0o600) -> int:
    """Open `path` (following symlinks) only if it is a regular file; returns the descriptor.

    O_NONBLOCK keeps a FIFO from hanging the open, and fstat on the opened descriptor (not
    the name, which could be swapped meanwhile) refuses FIFOs, devices (`/dev/zero`) and
    sockets as one-line InputErrors. FileNotFoundError passes through for callers that
    allow a missing file.
    """
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY, mode)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise InputError(f"{path}: {what} is a directory") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO opened for writing with no reader
            raise InputError(f"{path}: {what} is a FIFO, not a regular file") from None
        raise InputError(f"{path}: cannot open {what}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: {what} is {_kind(st.st_mode)}, not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def require_regular_or_missing(path: Path, what: str = "file") -> None:
    """Refuse a path that exists as anything but a regular file (after symlinks): writing
    there would replace a device node, a FIFO or a directory with a file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(f"{path}: {what} is a dangling symlink") from None
        return
    except OSError as exc:
        raise InputError(f"{path}: cannot use {what}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: {what} is {_kind(st.st_mode)}, not a regular file")


def read_bytes(path: Path, what: str = "file", limit: int | None = None) -> bytes:
    """The bytes of a regular file; more than `limit` bytes is a one-line InputError."""
    fd = open_regular(path, what)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read() if limit is None else handle.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None
    if limit is not None and len(data) > limit:
        raise InputError(f"{path}: {what} is larger than {limit} bytes")
    return data


def read_text(path: Path, what: str = "file") -> str:
    """The UTF-8 text of `path`; FileNotFoundError passes through for callers that allow it."""
    try:
        return read_bytes(path, what).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} is not valid UTF-8") from None


MAX_DEPTH = 100  # no state, policy, rule or bundle document nests anywhere near this


def _too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and mappings in `data` nest more than `limit` levels (iteratively)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_parsed(data: Any, source: Path | str, what: str = "file") -> Any:
    """`data` when it nests at most MAX_DEPTH levels, else a one-line InputError.

    Validators and walkers recurse: a document deep enough to exhaust the stack there is
    refused where it is read, naming the file.
    """
    if _too_deep(data):
        raise InputError(f"{source}: {what} nests deeper than {MAX_DEPTH} levels")
    return data


def _unreadable(exc: Exception, source: Path | str, what: str) -> InputError:
    """The one-line error for a document the parser itself cannot hold."""
    if isinstance(exc, RecursionError):
        return InputError(f"{source}: {what} nests deeper than {MAX_DEPTH} levels")
    if "digits" in str(exc):  # int(): "Exceeds the limit (4300 digits) for integer string ..."
        return InputError(f"{source}: {what} holds an integer with more than 4300 digits")
    return InputError(f"{source}: {what} cannot be read: {one_line(str(exc))}")


def decode_json(text: str | bytes, source: Path | str, what: str = "file") -> Any:
    """json.loads for every file si-paas reads: json.JSONDecodeError passes through for the
    caller to word; nesting that exhausts the parser (RecursionError), an integer over
    Python's 4300-digit conversion limit (ValueError) and nesting over MAX_DEPTH levels are
    one-line InputErrors naming `source`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _unreadable(exc, source, what) from None
    return check_parsed(data, source, what)


def parse_json(text: str, source: Path | str, what: str = "file") -> Any:
    """Parse JSON; an error names the source and line."""
    try:
        return decode_json(text, source, what)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: {what} is not valid JSON: {exc.msg} at line {exc.lineno}") from None


@record(frozen=True)
class YamlDocument:
    """A parsed YAML file; its node tree (for line numbers) is built only when asked for."""

    path: Path
    text: str
    data: Any

    @cached_property
    def _node(self) -> yaml.Node | None:
        import yaml

        return yaml.compose(self.text, Loader=_yaml_loader())

    def line_of(self, where: Iterable[Any]) -> int | None:
        """The 1-based line of the value at `where` (or of its nearest parent)."""
        import yaml

        node = self._node
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in where:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and (part < len(node.value)):
                child = node.value[part]
            if child is None:
                break
            node, line = child, child.start_mark.line + 1
        return line


def parse_yaml(path: Path, text: str, what: str = "file") -> YamlDocument:
    """Parse YAML text read from `path`; a malformed document is one line naming the file."""
    import yaml

    try:
        data = yaml.load(text, Loader=_yaml_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{where}: invalid YAML: {one_line(exc.problem or str(exc))}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {one_line(str(exc))}") from None
    except (RecursionError, ValueError) as exc:  # deep nesting, an int over 4300 digits
        raise _unreadable(exc, path, what) from None
    return YamlDocument(path, text, check_parsed(data, path, what))


def _memo(path: Path, what: str) -> _Memo:
    try:
        st = path.stat()
    except OSError:
        raise InputError(f"{path}: {what} not found") from None
    # The file itself (device and inode), not its resolved path: no lstat per folder.
    return (what, str(path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def checked_form(path: Path, what: str, check: Callable[[YamlDocument], Any]) -> Any:
    """`check(parsed file)`: the checked JSON form of `path` (or a one-line InputError).

    The form is reused from the disk cache while the file's bytes, the kind of check and
    the package's code stay the same, and within the process while the file keeps its size
    and mtime. Callers treat it as read-only.
    """
    return _checked_form(path, what, check, _memo(path, what))


def _checked_form(path: Path, what: str, check: Callable[[YamlDocument], Any], memo: _Memo) -> Any:
    from si_paas import diskcache

    if memo in _FORMS:
        return _FORMS[memo]
    try:
        raw = read_bytes(path, what)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    key = diskcache.key_for(what, raw)
    data = diskcache.get(key)
    if data is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}: {what} is not valid UTF-8") from None
        data = check(parse_yaml(path, text, what))
        diskcache.put(key, data)
    _FORMS[memo] = data
    return data


def checked_yaml(
    path: Path, what: str, check: Callable[[YamlDocument], Any], build: Callable[[Path, Any], T]
) -> T:
    """`build(path, checked_form(path, what, check))`: the pack loader every policy and rule
    file goes through. `build` turns the checked form into objects, and its result is reused
    within the process while the file keeps its size and mtime."""
    memo = _memo(path, what)
    if memo in _CACHE:
        found: T = _CACHE[memo]
        return found
    built = build(path, _checked_form(path, what, check, memo))  # the file stat'ed once
    _CACHE[memo] = built
    return built
