"""Reading the project's input files: text, JSON and YAML, each problem one line naming the file.

Also the loader of checked packs (policies, rule packs, repository configs): the checked
JSON form of a file is kept on disk by content hash (see `diskcache`), and the built object
per process, keyed on the file's path, size and mtime, since several steps of one command
load the same packs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from si_paas.errors import InputError

if TYPE_CHECKING:
    import yaml

T = TypeVar("T")
_CACHE: dict[tuple[str, Path, int, int], Any] = {}


def _yaml_loader() -> Any:
    import yaml  # only on a cache miss: the hook's path never parses YAML

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace and cut `text` to `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def read_text(path: Path, what: str = "file") -> str:
    """The UTF-8 text of `path`; FileNotFoundError passes through for callers that allow it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise InputError(f"{path}: {what} is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} is not valid UTF-8") from None


def parse_json(text: str, source: Path | str, what: str = "file") -> Any:
    """Parse JSON; an error names the source and line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: {what} is not valid JSON: {exc.msg} at line {exc.lineno}"
                         ) from None


@dataclass(frozen=True)
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
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and (
                part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node, line = child, child.start_mark.line + 1
        return line


def read_yaml(path: Path, what: str = "file") -> YamlDocument:
    """Parse one YAML file (libyaml when present); a missing or malformed file is one line."""
    try:
        text = read_text(path, what)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    return parse_yaml(path, text, what)


def parse_yaml(path: Path, text: str, what: str = "file") -> YamlDocument:
    """Parse YAML text read from `path`; a malformed document is one line naming the file."""
    import yaml

    try:
        data = yaml.load(text, Loader=_yaml_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{where}: invalid YAML: {one_line(exc.problem or str(exc))}"
                         ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {one_line(str(exc))}") from None
    return YamlDocument(path, text, data)


def checked_yaml(path: Path, what: str, check: Callable[[YamlDocument], Any],
                 build: Callable[[Path, Any], T]) -> T:
    """`build(path, check(parsed file))`: the pack loader every policy and rule file goes through.

    `check` validates the parsed document and returns its checked JSON form (or raises a
    one-line InputError); that form is reused from the disk cache while the file's bytes,
    the kind of check and the package's code stay the same. `build` turns it into objects,
    and its result is reused within the process while the file keeps its size and mtime.
    """
    from si_paas import diskcache

    try:
        st = path.stat()
    except OSError:
        raise InputError(f"{path}: {what} not found") from None
    memo = (what, path.resolve(), st.st_mtime_ns, st.st_size)
    if memo in _CACHE:
        found: T = _CACHE[memo]
        return found
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: {what} is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None
    key = diskcache.key_for(what, raw)
    data = diskcache.get(key)
    if data is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}: {what} is not valid UTF-8") from None
        data = check(parse_yaml(path, text, what))
        diskcache.put(key, data)
    built = build(path, data)
    _CACHE[memo] = built
    return built
