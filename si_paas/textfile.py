"""Reading the project's input files: text, JSON and YAML, each problem one line naming the file.

Also a per-process cache keyed on a file's path, size and mtime, for the packs (policies,
rule packs) that several steps of one command load.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml

from si_paas.errors import InputError

T = TypeVar("T")
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CACHE: dict[tuple[str, Path, int, int], Any] = {}


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
        return yaml.compose(self.text, Loader=_FAST_LOADER)

    def line_of(self, where: Iterable[Any]) -> int | None:
        """The 1-based line of the value at `where` (or of its nearest parent)."""
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
    try:
        data = yaml.load(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{where}: invalid YAML: {one_line(exc.problem or str(exc))}"
                         ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {one_line(str(exc))}") from None
    return YamlDocument(path, text, data)


def cached_yaml(path: Path, what: str, build: Callable[[YamlDocument], T]) -> T:
    """`build` of the parsed file, reused while the file keeps its size and mtime (per process)."""
    try:
        st = path.stat()
    except OSError:
        raise InputError(f"{path}: {what} not found") from None
    key = (what, path.resolve(), st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        _CACHE[key] = build(read_yaml(path, what))
    found: T = _CACHE[key]
    return found
