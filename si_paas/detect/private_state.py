"""Private `si paas` state in a repository (rules/private-state.yaml): by path at any depth,
and by content under any name (`content:` rules, detectors in `state_content`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from si_paas.detect.packfile import checked_screen, validate
from si_paas.errors import InputError
from si_paas.lazyregex import LazyRegex
from si_paas.records import record
from si_paas.resources import data_dir
from si_paas.textfile import YamlDocument, checked_yaml


@record(frozen=True)
class PrivateStateMatch:
    """Which pattern a path matched."""

    id: str
    description: str
    severity: str


class PrivateStatePattern(NamedTuple):
    """One path pattern (a regex searched in the repo-relative POSIX path), compiled on
    first use behind its screen (see `lazyregex`)."""

    id: str
    description: str
    pattern: LazyRegex[str]
    severity: str
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]

    def matches(self, relpath: str) -> bool:
        """True if the pattern matches the normalised path."""
        return self.pattern.search(normalise(relpath)) is not None


class ContentRule(NamedTuple):
    """One content rule: a built-in detector of `state_content` and its examples.

    Examples are file contents; for the `state-archive` detector an example is the list of
    member paths (one a line) of a tar archive the example runner builds.
    """

    id: str
    description: str
    detector: str
    severity: str
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]


@record(frozen=True)
class PrivateStatePatterns:
    """All patterns of one file, in order; the first that matches wins."""

    path: Path
    patterns: tuple[PrivateStatePattern, ...]
    content: tuple[ContentRule, ...] = ()

    def match_content(self, data: bytes) -> tuple[PrivateStateMatch, str | None] | None:
        """The first content rule the bytes satisfy, and for an archive the member that is
        private state; None when the file is not state."""
        from si_paas.detect import state_content

        archive = state_content.is_archive(data)
        for rule in self.content:
            hit = PrivateStateMatch(rule.id, rule.description, rule.severity)
            if rule.detector == state_content.ARCHIVE_DETECTOR:
                if archive:
                    for member in state_content.archive_members(data):
                        if self.match(member) is not None:
                            return hit, member
            elif not archive and state_content.DETECTORS[rule.detector](data):
                return hit, None
        return None

    def match(self, relpath: str) -> PrivateStateMatch | None:
        """The first pattern matching `relpath`, or None. Each pattern is screened by the
        strings every match of it needs: most paths hold none, and its regex never runs.

        Past the first `UNION_AFTER` paths (a folder scan, not the hook's few), one regex
        of every pattern's screen strings answers most paths in a single search."""
        posix = normalise(relpath)
        memo = self.__dict__  # a frozen record: what is worked out is kept beside it
        calls = memo["_calls"] = memo.get("_calls", 0) + 1
        if calls > UNION_AFTER:
            union = memo.get("_union", False)
            if union is False:
                union = memo["_union"] = _union_screen(self.patterns)
            if union is not None and union.search(posix) is None:
                return None
        for p in self.patterns:
            if p.pattern.search(posix):
                return PrivateStateMatch(p.id, p.description, p.severity)
        return None


UNION_AFTER = 64


def _union_screen(patterns: tuple[PrivateStatePattern, ...]) -> re.Pattern[str] | None:
    """One regex matching where any pattern's screen does, or None when a pattern has no
    screen (every path must then be tried)."""
    screens = [p.pattern.screen for p in patterns]
    if not screens or any(screen is None for screen in screens):
        return None
    strings = sorted({s for screen in screens for s in screen or ()}, key=lambda s: (-len(s), s))
    return re.compile("|".join(re.escape(s) for s in strings))


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
            raise InputError(
                f"{doc.path}: pattern {raw['id']!r} field 'pattern': regex can "
                f"backtrack catastrophically: {why}"
            )
    return {**doc.data, "patterns": _screened(doc.path, doc.data["patterns"])}


def _screened(path: Path, raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The patterns, each compiled once here (a bad one is an InputError, after a
    duplicate id before it) and given its `screen`: the strings one of which every match
    holds (`prefilter.required_literals`), or None."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in raws:
        pid = raw["id"]
        if pid in seen:
            raise InputError(f"{path}: pattern {pid!r}: duplicate id")
        seen.add(pid)
        out.append(
            {**raw, "screen": checked_screen(raw["pattern"], path, f"pattern {pid!r} field 'pattern'")}
        )
    return out


def _build_content(path: Path, doc: Any, seen: set[str]) -> tuple[ContentRule, ...]:
    from si_paas.detect.state_content import KNOWN

    rules = []
    for raw in doc.get("content") or []:
        rid = raw["id"]
        if rid in seen:
            raise InputError(f"{path}: content rule {rid!r}: duplicate id")
        seen.add(rid)
        if raw["detector"] not in KNOWN:
            raise InputError(
                f"{path}: content rule {rid!r} field 'detector': unknown detector "
                f"{raw['detector']!r} (known: {', '.join(KNOWN)})"
            )
        rules.append(
            ContentRule(
                rid,
                raw["description"],
                raw["detector"],
                raw["severity"],
                tuple(raw["examples"]["match"]),
                tuple(raw["examples"]["no_match"]),
            )
        )
    return tuple(rules)


def _build(path: Path, doc: Any) -> PrivateStatePatterns:
    patterns: list[PrivateStatePattern] = []
    seen: set[str] = set()
    for raw in doc["patterns"]:
        pid = raw["id"]
        if pid in seen:
            raise InputError(f"{path}: pattern {pid!r}: duplicate id")
        seen.add(pid)
        patterns.append(
            PrivateStatePattern(
                id=pid,
                description=raw["description"],
                pattern=LazyRegex(raw["pattern"], screen=raw["screen"]),
                severity=raw["severity"],
                match_examples=tuple(raw["examples"]["match"]),
                no_match_examples=tuple(raw["examples"]["no_match"]),
            )
        )
    return PrivateStatePatterns(path=path, patterns=tuple(patterns), content=_build_content(path, doc, seen))


def match_private_state(
    relpath: str, patterns: PrivateStatePatterns | None = None
) -> PrivateStateMatch | None:
    """The private-state pattern a repo-relative path matches, or None."""
    return (patterns or load_private_state_patterns()).match(relpath)
