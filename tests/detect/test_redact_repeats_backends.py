"""Every repeated occurrence of a found secret is redacted, whichever backend and rule found it."""

from __future__ import annotations

import pytest

from si_paas.detect.ahomatch import AhoCorasickMatcher
from si_paas.detect.matcher import Matcher
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner

PACK = load_secret_rules()
VALUE = "Rq7VmP2xLk9TzW4nHb6Y"


def _matchers() -> list[tuple[str, Matcher]]:
    found: list[tuple[str, Matcher]] = [("python", AhoCorasickMatcher(PACK))]
    try:
        from si_paas.detect import hsmatch
    except ImportError:  # pragma: no cover - Hyperscan is missing on this platform
        return found
    matcher = hsmatch.load(PACK, may_compile=True)
    if matcher is not None:
        found.append(("hyperscan", matcher))
    return found


@pytest.mark.parametrize(("name", "matcher"), _matchers(), ids=[n for n, _ in _matchers()])
@pytest.mark.parametrize("explain", [False, True])
def test_generic_secret_repeated_on_a_line_never_leaks(name: str, matcher: Matcher, explain: bool) -> None:
    text = (
        f'stripe_key={VALUE}  # was "{VALUE}", escaped \\"{VALUE}\\", '
        f"url {VALUE.replace('x', '%78')}\n"
        f"notes: the.dotted.path_key=a.b.c.d.e.f.g {VALUE}\n"
    )
    findings = SecretScanner(PACK, matcher, explain=explain).scan_text("src/app.py", text)
    generic = [f for f in findings if f.rule.startswith("generic-")]
    assert generic, (name, findings)
    assert any(f.excerpt and "was" in f.excerpt for f in generic)
    for finding in findings:
        assert VALUE[4:] not in (finding.excerpt or ""), (name, finding)
        assert VALUE[4:12] not in (finding.excerpt or ""), (name, finding)


def test_suppressed_candidate_excerpt_redacts_accepted_secrets() -> None:
    """A candidate a filter dropped is shown under --explain; an accepted secret beside it
    on the same line is redacted in its excerpt too."""
    text = f'"output_token": "DistributionList.NextMarker", stripe_key={VALUE}\n'
    findings = SecretScanner(PACK, AhoCorasickMatcher(PACK), explain=True).scan_text("src/app.py", text)
    suppressed = [f for f in findings if f.extra.get("suppressed_by")]
    assert suppressed and any(not f.extra.get("suppressed_by") for f in findings)
    for finding in findings:
        assert VALUE[4:] not in (finding.excerpt or ""), finding
