"""The secret rule pack (rules/secrets.yaml): load, validate against its schema, compile once."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import field, fields
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, cast

from si_paas.detect.filters import FILTERS
from si_paas.detect.packfile import checked_screen, compile_regex, validate
from si_paas.errors import InputError
from si_paas.findings import Confidence, Severity
from si_paas.lazyregex import LazyRegex, lazy
from si_paas.records import record
from si_paas.resources import data_dir
from si_paas.secretwords import SECRET_KEY, is_placeholder
from si_paas.textfile import YamlDocument, checked_form, checked_yaml

DEFAULT_EXAMPLE_PATH = "example.txt"
_FRAGMENT_RE = lazy(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


class RuleExamples(NamedTuple):
    """A rule's own test strings, scanned as if they were the file `path`."""

    match: tuple[str, ...]
    no_match: tuple[str, ...]
    path: str = DEFAULT_EXAMPLE_PATH


@record(frozen=True)
class SecretRule:
    """One rule. The secret is group `secret`, else group 1, else the whole match.

    The regex and allow patterns compile on first use: a scan compiles only the rules whose
    keywords occur, which keeps a one-file pre-commit run cheap. `si paas rules test` (and
    the test suite) compile every one, so a broken pattern cannot hide.
    """

    id: str
    description: str
    keywords: tuple[str, ...]
    regex_source: str
    severity: Severity
    source: Path = Path("rules/secrets.yaml")
    entropy: float | None = None
    allow_sources: tuple[str, ...] = ()
    paths: tuple[LazyRegex[str], ...] = ()
    multiline: bool = False
    examples: RuleExamples = RuleExamples((), ())
    case_sensitive_keywords: tuple[str, ...] = ()
    confidence: Confidence = "high"
    filters: tuple[str, ...] = ()

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return compile_regex(self.regex_source, self.source, f"rule {self.id!r} field 'regex'")

    @cached_property
    def allow(self) -> tuple[re.Pattern[str], ...]:
        return tuple(
            compile_regex(src, self.source, f"rule {self.id!r} field 'allow[{i}]'")
            for i, src in enumerate(self.allow_sources)
        )

    def applies_to(self, path: str) -> bool:
        """True if the rule has no `paths` or one of them matches the POSIX `path`."""
        if not self.paths:
            return True
        posix = path.replace("\\", "/")
        return any(p.search(posix) for p in self.paths)

    def secret_span(self, match: re.Match[str]) -> tuple[int, int]:
        """Start and end (in the searched string) of the secret part of a match."""
        if "secret" in self.regex.groupindex and match.group("secret") is not None:
            return match.span("secret")
        if self.regex.groups >= 1 and match.group(1) is not None:
            return match.span(1)
        return match.span()


@record(frozen=True)
class SecretRulePack:
    """All rules of one file, in priority order, and the placeholders every rule ignores."""

    path: Path
    rules: tuple[SecretRule, ...]
    allow: tuple[re.Pattern[str], ...] = ()
    checked_digest: str = field(default="", compare=False, repr=False)  # `digest`, if known

    def rule(self, rule_id: str) -> SecretRule:
        """The rule called `rule_id`; KeyError if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def only(self, *rule_ids: str) -> SecretRulePack:
        """A pack with just these rules (and the same pack-level allow list)."""
        wanted = set(rule_ids)
        return SecretRulePack(self.path, tuple(r for r in self.rules if r.id in wanted), self.allow)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of what decides the pack's findings: every rule field in order, the allows.

        Examples and the file's name are left out; any other field, including one added
        later, is in, so a compiled matcher or a cached verdict never outlives a change. A
        pack loaded from a file carries it from its checked form (`pack_digest`).
        """
        return self.checked_digest or _digest(self.rules, self.allow)

    def is_placeholder(self, rule: SecretRule, secret: str) -> bool:
        """True if `secret` is a placeholder (`secretwords.is_placeholder`, for every rule of
        every pack) or the pack's or the rule's allow list matches it."""
        return is_placeholder(secret) or any(p.search(secret) for p in (*self.allow, *rule.allow))


def _digest(rules: Iterable[SecretRule], allow: Iterable[re.Pattern[str] | str]) -> str:
    """`SecretRulePack.digest` of these rules and pack-level allows."""

    def plain(value: Any) -> Any:
        if isinstance(value, re.Pattern | LazyRegex):
            return value.pattern
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value if isinstance(value, str | int | float | bool | None) else repr(value)

    parts = [[plain(p) for p in allow]]
    for rule in rules:
        parts.append(
            [
                [f.name, plain(getattr(rule, f.name))]
                for f in fields(rule)
                if f.name not in ("examples", "source")
            ]
        )
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def pack_digest(path: Path | None = None) -> str:
    """The `digest` of the pack at `path` (default: the shipped one), from its checked form:
    no rule is built, so an unchanged history's rescan can name its cache without them."""
    path = path or default_rules_path()
    return _kept_digest(checked_form(path, "rule pack", _check)) or load_secret_rules(path).digest


def _kept_digest(data: dict[str, Any]) -> str:
    """The digest `_check` kept in a checked form, or "" when it holds none usable."""
    known = data.get("digest")
    return known if isinstance(known, str) else ""


# Fragments every pack may use without defining them; a pack's own of the same name wins.
BUILTIN_FRAGMENTS = {"secret_key": SECRET_KEY}


def default_rules_path() -> Path:
    """rules/secrets.yaml as shipped."""
    return data_dir("rules") / "secrets.yaml"


def load_secret_rules(path: Path | None = None) -> SecretRulePack:
    """Load, validate and compile a rule pack; cached per file and modification time.

    Any problem (missing file, bad YAML, schema violation, bad regex, unknown fragment,
    duplicate id) is an InputError of one line naming the file, the rule and the field.
    Rule regexes of the shipped pack compile on first use (see SecretRule).
    """
    shipped = path is None or path == default_rules_path()
    path = path or default_rules_path()
    pack = checked_yaml(path, "rule pack", _check, _build)
    if not shipped:
        # A user's pack is compiled whole at load so a bad pattern fails now, not mid-scan;
        # the shipped pack is compiled whole by `si paas rules test` in the test suite.
        refuse_backtracking(pack)
        for rule in pack.rules:
            _ = rule.regex, rule.allow
    return pack


def refuse_backtracking(pack: SecretRulePack) -> None:
    """A user's regex that can backtrack catastrophically is a one-line InputError naming
    the rule and field (see `redos`); a regex identical to a shipped rule's is trusted as
    the shipped rule is."""
    from si_paas.detect.redos import exponential_shape

    shipped: set[str] | None = None
    fields = [(f"rule {r.id!r} field 'regex'", r.regex_source) for r in pack.rules]
    fields += [
        (f"rule {r.id!r} field 'allow[{i}]'", src)
        for r in pack.rules
        for i, src in enumerate(r.allow_sources)
    ]
    fields += [(f"allow[{i}]", p.pattern) for i, p in enumerate(pack.allow)]
    for where, source in fields:
        why = exponential_shape(source)
        if why is None:
            continue
        if shipped is None:
            ref = load_secret_rules()
            shipped = {r.regex_source for r in ref.rules} | {
                src for r in ref.rules for src in r.allow_sources
            }
        if source in shipped:
            continue
        raise InputError(
            f"{pack.path}: {where}: regex can backtrack catastrophically: {why}; "
            "make the repeats unambiguous (or possessive, `a++`, or atomic, "
            "`(?>...)`)"
        )


def _check(doc: YamlDocument) -> dict[str, Any]:
    """The pack after its schema, fragments, ids, regexes and example paths are checked.

    The checked form has every `{{fragment}}` expanded, so a cached pack builds without it.
    """
    path = doc.path
    validate(doc.data, path, "rulepack", "rules", "rule")
    fragments: dict[str, str] = {**BUILTIN_FRAGMENTS, **(doc.data.get("fragments") or {})}
    rules: list[dict[str, Any]] = []
    built: list[SecretRule] = []
    seen: set[str] = set()
    for raw in doc.data["rules"]:
        rid: str = raw["id"]
        where = f"rule {rid!r}"
        if rid in seen:
            raise InputError(f"{path}: {where}: duplicate id")
        seen.add(rid)
        expanded = {
            **raw,
            "regex": _expand(raw["regex"], fragments, path, f"{where} field 'regex'"),
            "allow": [
                _expand(src, fragments, path, f"{where} field 'allow[{i}]'")
                for i, src in enumerate(raw.get("allow") or [])
            ],
        }
        expanded["path_screens"] = _path_screens(path, rid, raw.get("paths") or [])
        rule = _build_rule(path, expanded)
        for name in rule.filters:
            if name not in FILTERS:
                raise InputError(
                    f"{path}: {where} field 'filters': unknown filter {name!r} (known: {', '.join(FILTERS)})"
                )
        if rule.paths and not rule.applies_to(rule.examples.path):
            raise InputError(
                f"{path}: {where} field 'examples.path': {rule.examples.path!r} "
                "does not match the rule's paths"
            )
        rules.append(expanded)
        built.append(rule)
    allow = doc.data.get("allow") or []
    for i, src in enumerate(allow):
        compile_regex(src, path, f"allow[{i}]")
    return {"allow": allow, "rules": rules, "digest": _digest(built, allow)}


def _build(path: Path, data: dict[str, Any]) -> SecretRulePack:
    pack_allow = tuple(compile_regex(src, path, f"allow[{i}]") for i, src in enumerate(data["allow"]))
    rules = tuple(_build_rule(path, raw) for raw in data["rules"])
    return SecretRulePack(path, rules, pack_allow, _kept_digest(data))


def _expand(source: str, fragments: dict[str, str], path: Path, where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in fragments:
            raise InputError(f"{path}: {where}: unknown fragment {{{{{name}}}}}")
        return fragments[name]

    return _FRAGMENT_RE.sub(sub, source)


def _path_screens(path: Path, rid: str, sources: list[str]) -> list[list[str] | None]:
    """Each `paths` regex compiled once (a bad one is an InputError) and its screen: the
    strings one of which every match holds (`prefilter.required_literals`), or None."""
    return [checked_screen(src, path, f"rule {rid!r} field 'paths[{i}]'") for i, src in enumerate(sources)]


def _build_rule(path: Path, raw: dict[str, Any]) -> SecretRule:
    """A rule from its checked form (fragments expanded, `paths` compiled and screened by
    `_path_screens`): its path regexes compile on first use, behind their screens."""
    rid: str = raw["id"]
    screens = raw["path_screens"]
    paths = tuple(LazyRegex(src, screen=screens[i]) for i, src in enumerate(raw.get("paths") or []))
    ex = raw["examples"]
    return SecretRule(
        id=rid,
        description=raw["description"],
        keywords=tuple(raw["keywords"]),
        case_sensitive_keywords=tuple(raw.get("case_sensitive_keywords") or ()),
        regex_source=raw["regex"],
        severity=cast(Severity, raw["severity"]),
        source=path,
        entropy=float(raw["entropy"]) if raw.get("entropy") is not None else None,
        allow_sources=tuple(raw.get("allow") or ()),
        paths=paths,
        multiline=bool(raw.get("multiline", False)),
        confidence=cast(Confidence, raw.get("confidence", "high")),
        filters=tuple(raw.get("filters") or ()),
        examples=RuleExamples(
            match=tuple(ex["match"]),
            no_match=tuple(ex["no_match"]),
            path=ex.get("path", DEFAULT_EXAMPLE_PATH),
        ),
    )
