"""`si paas rules test`: every detector rule's own examples, through the real scanner."""

from __future__ import annotations

from pathlib import Path

from si_paas.errors import ExitCode
from si_paas.services.invocation import Result
from si_paas.services.pipeline import Call, command


@command("rules test", context="none", gate="none")
def test_rules(call: Call, secrets_file: str | None, private_state_file: str | None) -> Result:
    """Run the examples of the secret rules and private-state patterns."""
    from si_paas.detect.examples import run_examples
    from si_paas.detect.private_state import load_private_state_patterns
    from si_paas.detect.rulepack import load_secret_rules

    pack = load_secret_rules(Path(secrets_file) if secrets_file else None)
    patterns = load_private_state_patterns(Path(private_state_file) if private_state_file else None)
    failures = run_examples(pack, patterns)
    examples = (
        sum(len(r.examples.match) + len(r.examples.no_match) for r in pack.rules)
        + sum(len(p.match_examples) + len(p.no_match_examples) for p in patterns.patterns)
        + sum(len(c.match_examples) + len(c.no_match_examples) for c in patterns.content)
    )
    items = [{"kind": f.kind, "rule": f.rule, "expected": f.expected, "problem": str(f)} for f in failures]
    return Result(
        {
            "rules": len(pack.rules),
            "patterns": len(patterns.patterns),
            "content_rules": len(patterns.content),
            "examples": examples,
            "failed": len(failures),
            "items": items,
            "count": len(items),
        },
        ok=not failures,
        exit_code=ExitCode.POLICY_FAILED if failures else ExitCode.OK,
    )
