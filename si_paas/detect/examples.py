"""Run every rule's and private-state pattern's own examples through the real scanner/matcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from si_paas.detect.private_state import PrivateStatePatterns, load_private_state_patterns
from si_paas.detect.rulepack import SecretRulePack, load_secret_rules
from si_paas.detect.scanner import SecretScanner
from si_paas.detect.state_content import ARCHIVE_DETECTOR

Kind = Literal["secret", "private-state"]
Expectation = Literal["match", "no_match"]


@dataclass(frozen=True)
class ExampleFailure:
    """One example that did not behave as its rule says."""

    kind: Kind
    rule: str
    expected: Expectation
    example: str

    def __str__(self) -> str:
        shown = self.example if len(self.example) <= 80 else self.example[:79] + "…"
        want = "should match" if self.expected == "match" else "should not match"
        return f"{self.kind} rule {self.rule}: example {shown!r} {want}"


def run_examples(
    pack: SecretRulePack | None = None, private_state: PrivateStatePatterns | None = None
) -> list[ExampleFailure]:
    """Failures of all examples; an empty list means every example behaves.

    Each secret rule is checked with a scanner built from that rule alone (plus the pack's
    allow list), so a more specific rule cannot hide it; a `match` example must give a
    finding of the rule and a `no_match` example must give none.
    """
    pack = pack if pack is not None else load_secret_rules()
    private_state = private_state if private_state is not None else load_private_state_patterns()
    failures: list[ExampleFailure] = []
    for rule in pack.rules:
        scanner = SecretScanner(pack.only(rule.id))
        path = rule.examples.path
        for text in rule.examples.match:
            if not any(f.rule == rule.id for f in scanner.scan_text(path, text)):
                failures.append(ExampleFailure("secret", rule.id, "match", text))
        for text in rule.examples.no_match:
            if any(f.rule == rule.id for f in scanner.scan_text(path, text)):
                failures.append(ExampleFailure("secret", rule.id, "no_match", text))
    for pattern in private_state.patterns:
        for relpath in pattern.match_examples:
            if not pattern.matches(relpath):
                failures.append(ExampleFailure("private-state", pattern.id, "match", relpath))
        for relpath in pattern.no_match_examples:
            if pattern.matches(relpath):
                failures.append(ExampleFailure("private-state", pattern.id, "no_match", relpath))
    for crule in private_state.content:
        only = PrivateStatePatterns(private_state.path, private_state.patterns, (crule,))
        for expected, texts in (("match", crule.match_examples), ("no_match", crule.no_match_examples)):
            for text in texts:
                data = (
                    tar_of(text.splitlines()) if crule.detector == ARCHIVE_DETECTOR else text.encode("utf-8")
                )
                if (only.match_content(data) is not None) != (expected == "match"):
                    failures.append(
                        ExampleFailure("private-state", crule.id, cast(Expectation, expected), text)
                    )
    return failures


def tar_of(members: list[str]) -> bytes:
    """A gzip-compressed tar holding an empty file at each member path."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name in members:
            tf.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
    return buf.getvalue()
