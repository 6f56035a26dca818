"""The Hyperscan matcher backend: one pass over a file's bytes finds every rule's candidates.

Two databases are compiled from a rule pack:

* for ASCII text, each rule's regex in prefilter form (`detect/prefilter.py`, compiled
  with HS_FLAG_PREFILTER); a line where it ends is a candidate once it also holds one of
  the rule's keywords. Rules whose regex has no prefilter form, or that Hyperscan refuses,
  and multi-line rules (their window runs up to the next keyword line) take part through
  their keywords instead, so no rule is ever dropped;
* for any other text, every rule's keywords as literals: exactly the Python backend's
  keyword lines, since keywords match ASCII case-insensitively in both.

Rules limited to some paths have a pair of databases of their own, scanned only for the
files one of them applies to.

The compiled databases are kept in the disk cache (`si_paas.diskcache`) under a key made
of the pack's digest, the Hyperscan version and the code stamp, so a command loads them
instead of compiling; the pre-commit hook never compiles them (see `detect/matcher.py`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from si_paas import diskcache
from si_paas.detect.lines import Lines
from si_paas.detect.packfile import union
from si_paas.detect.prefilter import (
    Unsupported,
    basename_only,
    literal_screen,
    prefilter_pattern,
)
from si_paas.detect.rulepack import SecretRule, SecretRulePack

if TYPE_CHECKING:
    import hyperscan

_KIND = "hyperscan-db-v1"
# Rules bound to some paths (`.env`, `*.yaml`, ...) are in databases of their own, scanned
# only for a file one of them applies to.
_DATABASES = ("ascii", "any", "ascii-paths", "any-paths")
_NONE: frozenset[int] = frozenset()  # no path-bound rule applies
_LOADED: dict[str, HyperscanMatcher] = {}
_reason = "not tried"


def unavailable_reason() -> str:
    """Why the last `load` returned None."""
    return _reason


def _collector(out: list[tuple[int, int]]) -> Callable[[int, int, int, int, Any], None]:
    """A match handler that keeps (end offset, pattern id) of every match in `out`."""

    def on_match(pattern: int, _start: int, end: int, _flags: int, _context: Any) -> None:
        out.append((end, pattern))

    return on_match


def _literal(word: str) -> bytes:
    return "".join(f"\\x{b:02x}" for b in word.encode("ascii")).encode("ascii")


def _plan(pack: SecretRulePack, hs: Any) -> dict[str, Any]:
    """Which rules take part by prefilter and which by keywords, and the patterns of each.

    Pattern ids: for a prefilter, ["pre", rule]; for a keyword, ["kw", [rules]].
    """
    rules = pack.rules
    prefilters: dict[int, str] = {}
    for index, rule in enumerate(rules):
        if rule.multiline:
            continue
        try:
            pattern = prefilter_pattern(rule.regex_source)
            db = hs.Database()
            db.compile(
                expressions=[pattern.encode("ascii")],
                ids=[0],
                elements=1,
                flags=[hs.HS_FLAG_CASELESS | hs.HS_FLAG_PREFILTER],
            )
        except (Unsupported, hs.error, UnicodeEncodeError):
            continue  # this rule joins through its keywords
        prefilters[index] = pattern
    plan: dict[str, Any] = {name: [] for name in _DATABASES}
    for db_name in _DATABASES:
        words: dict[tuple[str, bool], list[int]] = {}
        for index, rule in enumerate(rules):
            if bool(rule.paths) != db_name.endswith("-paths"):
                continue
            if db_name.startswith("ascii") and index in prefilters:
                plan[db_name].append({"pattern": prefilters[index], "prefilter": True, "id": ["pre", index]})
                continue
            for word in rule.keywords:
                words.setdefault((word.lower(), True), []).append(index)
            for word in rule.case_sensitive_keywords:
                words.setdefault((word, False), []).append(index)
        for (word, caseless), indexes in words.items():
            plan[db_name].append({"literal": word, "caseless": caseless, "id": ["kw", sorted(set(indexes))]})
    return plan


def _compile(plan: list[dict[str, Any]], hs: Any) -> hyperscan.Database | None:
    if not plan:
        return None
    expressions, flags = [], []
    for entry in plan:
        if entry.get("prefilter"):
            expressions.append(entry["pattern"].encode("ascii"))
            flags.append(hs.HS_FLAG_CASELESS | hs.HS_FLAG_PREFILTER)
        else:
            expressions.append(_literal(entry["literal"]))
            flags.append(hs.HS_FLAG_CASELESS if entry["caseless"] else 0)
    db: hyperscan.Database = hs.Database()
    db.compile(expressions=expressions, ids=list(range(len(plan))), elements=len(plan), flags=flags)
    return db


def _key(pack: SecretRulePack, hs: Any) -> str:
    return diskcache.key_for(_KIND, f"{pack.digest}\0{hs.__version__}".encode())


def load(pack: SecretRulePack, *, may_compile: bool) -> HyperscanMatcher | None:
    """The Hyperscan matcher for `pack` (from the disk cache, else compiled when allowed).

    None when Hyperscan does not import on this machine, a keyword is not ASCII, or the
    database is not cached and `may_compile` is false.
    """
    global _reason
    if any(not w.isascii() for r in pack.rules for w in (*r.keywords, *r.case_sensitive_keywords)):
        _reason = "a rule keyword is not ASCII"
        return None
    try:
        import hyperscan as hs
    except (ImportError, OSError) as exc:
        _reason = f"hyperscan is not available on this machine ({exc})"
        return None
    key = _key(pack, hs)
    if key in _LOADED:
        return _LOADED[key]
    matcher = None
    cached = diskcache.get_bytes(key)
    if cached is not None:
        try:
            matcher = HyperscanMatcher.from_bytes(pack, cached, hs)
        except (ValueError, KeyError, TypeError, struct.error, hs.error):
            matcher = None
    if matcher is None:
        if not may_compile:
            _reason = "its database is not compiled yet"
            return None
        try:
            plan = _plan(pack, hs)
            dbs = {name: _compile(entries, hs) for name, entries in plan.items()}
        except hs.error as exc:
            _reason = f"hyperscan refused the rule pack ({exc})"
            return None
        matcher = HyperscanMatcher(pack, plan, dbs, hs)
        diskcache.put_bytes(key, matcher.to_bytes(hs))
    _LOADED[key] = matcher
    return matcher


class HyperscanMatcher:
    """Candidate lines from one Hyperscan scan per file (see the module docstring)."""

    name = "hyperscan"

    def __init__(
        self,
        pack: SecretRulePack,
        plan: dict[str, list[dict[str, Any]]],
        dbs: dict[str, hyperscan.Database | None],
        hs: Any,
    ) -> None:
        self.rules: tuple[SecretRule, ...] = pack.rules
        self.plan = plan
        self.dbs = dbs
        self._ids = {
            name: [tuple(e["id"][:1]) + (e["id"][1],) for e in entries] for name, entries in plan.items()
        }
        self._scratch = {name: hs.Scratch(db) for name, db in dbs.items() if db is not None}
        self._path_bound = tuple(i for i, r in enumerate(self.rules) if r.paths)
        # When every `paths` pattern depends on the file name alone (the shipped ones do),
        # which rules apply is worked out once per file name, not once per file.
        self._by_name: dict[str, frozenset[int]] | None = (
            {} if all(basename_only(p.pattern) for r in self.rules for p in r.paths) else None
        )
        self._lower_keywords = tuple(tuple(w.lower() for w in r.keywords) for r in self.rules)
        # Most files match no rule's `paths`: a search for the plain strings every match
        # needs, then one search of all of them, say so before any rule is tried.
        bound = [p for i in self._path_bound for p in self.rules[i].paths]
        self._screen = literal_screen([p.pattern for p in bound])
        self._any_path = union(bound)

    def to_bytes(self, hs: Any) -> bytes:
        """The plan and the serialized databases, as one cache entry."""
        blobs = {name: hs.dumpb(db) for name, db in self.dbs.items() if db is not None}
        head = json.dumps({"plan": self.plan, "sizes": {n: len(b) for n, b in blobs.items()}})
        raw = head.encode()
        return struct.pack(">I", len(raw)) + raw + b"".join(blobs[n] for n in sorted(blobs))

    @classmethod
    def from_bytes(cls, pack: SecretRulePack, data: bytes, hs: Any) -> HyperscanMatcher:
        (size,) = struct.unpack(">I", data[:4])
        head = json.loads(data[4 : 4 + size])
        at = 4 + size
        dbs: dict[str, Any] = {name: None for name in head["plan"]}
        for name in sorted(head["sizes"]):
            end = at + head["sizes"][name]
            dbs[name] = hs.loadb(data[at:end], hs.HS_MODE_BLOCK)
            at = end
        return cls(pack, head["plan"], dbs, hs)

    def _may_apply(self, path: str) -> bool:
        """False when no path-bound rule can apply to `path`."""
        return (self._screen is None or self._screen.search(path) is not None) and (
            self._any_path is None or self._any_path.search(path) is not None
        )

    def _applicable(self, path: str) -> frozenset[int]:
        """The path-bound rules that apply to `path`."""
        posix = path.replace("\\", "/")
        if self._by_name is None:
            if not self._may_apply(posix):
                return _NONE
            return frozenset(i for i in self._path_bound if self.rules[i].applies_to(path))
        name = posix.rpartition("/")[2]
        found = self._by_name.get(name)
        if found is None:
            if not self._may_apply(name):
                return _NONE
            if len(self._by_name) > 4096:
                self._by_name.clear()
            found = frozenset(i for i in self._path_bound if self.rules[i].applies_to(name))
            self._by_name[name] = found
        return found

    def candidates(self, path: str, lines: Lines) -> dict[int, set[int]]:
        """Per rule, its keyword lines where its regex can match (all of them, no others)."""
        text = lines.text
        ascii_text = text.isascii()
        kind = "ascii" if ascii_text else "any"
        applicable = self._applicable(path) if self._path_bound else frozenset()
        names = [kind] + ([f"{kind}-paths"] if applicable else [])
        data = text.encode("ascii") if ascii_text else text.encode("utf-8", "surrogatepass")
        hits: list[tuple[int, int, str]] = []
        for name in names:
            db = self.dbs.get(name)
            if db is not None:
                found: list[tuple[int, int]] = []
                db.scan(data, match_event_handler=_collector(found), scratch=self._scratch[name])
                hits += [(to, i, name) for to, i in found]
        if not hits:
            return {}
        hits.sort()
        wanted: dict[int, set[int]] = {}
        maybe: dict[int, set[int]] = {}
        line, at, char_at = 0, 0, 0
        last = -1
        for to, pattern, name in hits:
            pos = to - 1
            if pos != last:
                line += data.count(b"\n", at, pos)
                if ascii_text:
                    lines.learn(line, pos)
                else:  # keyword ends are ASCII bytes, so every slice decodes whole
                    char_at += len(data[at:pos].decode("utf-8", "surrogatepass"))
                    lines.learn(line, char_at)
                at, last = pos, pos
            kind_of, which = self._ids[name][pattern]
            bound = name.endswith("-paths")
            if kind_of == "pre":
                if not bound or which in applicable:
                    maybe.setdefault(which, set()).add(line)
                continue
            for index in which:
                if not bound or index in applicable:
                    wanted.setdefault(index, set()).add(line)
        for index, rule_lines in maybe.items():
            kept = {n for n in rule_lines if self._has_keyword(index, lines, n)}
            if kept:
                wanted.setdefault(index, set()).update(kept)
        return wanted

    def _has_keyword(self, index: int, lines: Lines, line: int) -> bool:
        start = lines.start(line)
        end = lines.text.find("\n", start)
        raw = lines.text[start:] if end == -1 else lines.text[start:end]
        lowered = raw.lower()
        return any(w in lowered for w in self._lower_keywords[index]) or any(
            w in raw for w in self.rules[index].case_sensitive_keywords
        )
