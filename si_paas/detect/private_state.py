"""Paths of `si paas` private state (rules/private-state.yaml), at any depth of a repository."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.detect.packfile import compile_regex, validate
from si_paas.errors import InputError
from si_paas.resources import data_dir
from si_paas.textfile import YamlDocument, checked_yaml


@dataclass(frozen=True)
class PrivateStateMatch:
    """Which pattern a path matched."""

    id: str
    description: str
    severity: str


@dataclass(frozen=True)
class PrivateStatePattern:
    """One compiled path pattern (a regex searched in the repo-relative POSIX path)."""

    id: str
    description: str
    pattern: re.Pattern[str]
    severity: str
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]

    def matches(self, relpath: str) -> bool:
        """True if the pattern matches the normalised path."""
        return self.pattern.search(normalise(relpath)) is not None


@dataclass(frozen=True)
class PrivateStatePatterns:
    """All patterns of one file, in order; the first that matches wins."""

    path: Path
    patterns: tuple[PrivateStatePattern, ...]

    def match(self, relpath: str) -> PrivateStateMatch | None:
        """The first pattern matching `relpath`, or None."""
        posix = normalise(relpath)
        for p in self.patterns:
            if p.pattern.search(posix):
                return PrivateStateMatch(p.id, p.description, p.severity)
        return None


def normalise(relpath: str) -> str:
    """POSIX separators, no leading `./` or `/`."""
    posix = relpath.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    return posix.lstrip("/")


def default_patterns_path() -> Path:
    """rules/private-state.yaml as shipped."""
    return data_dir("rules") / "private-state.yaml"


def load_private_state_patterns(path: Path | None = None) -> PrivateStatePatterns:
    """Load and validate the patterns; cached per file and modification time."""
    path = path or default_patterns_path()
    return checked_yaml(path, "private-state patterns", _check, _build)


def _check(doc: YamlDocument) -> Any:
    from si_paas.detect.redos import exponential_shape

    validate(doc.data, doc.path, "private-state", "patterns", "pattern")
    for raw in doc.data["patterns"]:  # the shipped patterns pass this too
        why = exponential_shape(raw["pattern"])
        if why is not None:
            raise InputError(f"{doc.path}: pattern {raw['id']!r} field 'pattern': regex can "
                             f"backtrack catastrophically: {why}")
    return doc.data


def _build(path: Path, doc: Any) -> PrivateStatePatterns:
    patterns: list[PrivateStatePattern] = []
    seen: set[str] = set()
    for raw in doc["patterns"]:
        pid = raw["id"]
        if pid in seen:
            raise InputError(f"{path}: pattern {pid!r}: duplicate id")
        seen.add(pid)
        patterns.append(PrivateStatePattern(
            id=pid,
            description=raw["description"],
            pattern=compile_regex(raw["pattern"], path, f"pattern {pid!r} field 'pattern'"),
            severity=raw["severity"],
            match_examples=tuple(raw["examples"]["match"]),
            no_match_examples=tuple(raw["examples"]["no_match"]),
        ))
    return PrivateStatePatterns(path=path, patterns=tuple(patterns))


def match_private_state(relpath: str,
                        patterns: PrivateStatePatterns | None = None) -> PrivateStateMatch | None:
    """The private-state pattern a repo-relative path matches, or None."""
    return (patterns or load_private_state_patterns()).match(relpath)
