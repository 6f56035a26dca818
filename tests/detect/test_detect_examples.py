"""Each rule's and private-state pattern's own examples behave, and run_examples can fail."""

from __future__ import annotations

from pathlib import Path

from si_paas.detect.examples import ExampleFailure, run_examples
from si_paas.detect.private_state import load_private_state_patterns
from si_paas.detect.rulepack import load_secret_rules


def test_all_shipped_examples_pass() -> None:
    failures = run_examples()
    assert failures == [], "\n".join(str(f) for f in failures)


def test_shipped_examples_cover_every_rule_and_pattern() -> None:
    pack = load_secret_rules()
    assert sum(len(r.examples.match) for r in pack.rules) >= len(pack.rules)
    patterns = load_private_state_patterns()
    assert all(p.match_examples and p.no_match_examples for p in patterns.patterns)


def test_a_broken_rule_makes_run_examples_fail(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        """\
version: 1
rules:
  - id: too-strict
    description: regex that does not match its own example
    keywords: [tok_]
    regex: 'tok_[0-9]{40}'
    severity: high
    examples:
      match: ['token = tok_0123456789abcdef']
      no_match: ['token = none']
  - id: too-loose
    description: regex that matches its own look-alike
    keywords: [tok_]
    regex: 'tok_\\w+'
    severity: high
    examples:
      match: ['token = tok_0123456789abcdef']
      no_match: ['token = tok_test']
  - id: fine
    description: a rule that behaves
    keywords: [tok_]
    regex: 'tok_[0-9a-f]{16}'
    severity: high
    examples:
      match: ['token = tok_0123456789abcdef']
      no_match: ['token = tok_test']
""",
        encoding="utf-8",
    )
    failures = run_examples(load_secret_rules(path))
    assert failures == [
        ExampleFailure("secret", "too-strict", "match", "token = tok_0123456789abcdef"),
        ExampleFailure("secret", "too-loose", "no_match", "token = tok_test"),
    ]
    assert "too-strict" in str(failures[0]) and "should match" in str(failures[0])


def test_a_broken_private_state_pattern_fails(tmp_path: Path) -> None:
    path = tmp_path / "private-state.yaml"
    path.write_text(
        """\
version: 1
patterns:
  - id: vault-files
    description: wrong on purpose
    pattern: 'vault/'
    severity: critical
    examples:
      match: [contexts/a/vault/secrets.env]
      no_match: [charts/vault/values.yaml]
""",
        encoding="utf-8",
    )
    failures = run_examples(load_secret_rules(), load_private_state_patterns(path))
    assert failures == [
        ExampleFailure("private-state", "vault-files", "no_match", "charts/vault/values.yaml")
    ]
