"""Path screens: a path the screen rejects matches none of the patterns (in process)."""

from __future__ import annotations

import re

from si_paas.detect.packfile import union
from si_paas.detect.prefilter import literal_screen, required_literals
from si_paas.detect.private_state import load_private_state_patterns
from si_paas.detect.rulepack import load_secret_rules


def test_required_literals_of_shapes() -> None:
    assert required_literals(r"(?:^|/)keys/(?:[^/]+/)*[^/]+\.key$") == {"keys/"}
    assert required_literals(r"(?:\.sipb$|(?:^|/)[0-9]{8}/manifest\.json$)") == {".sipb", "/manifest.json"}
    assert required_literals(r"\.(?:ini|cfg)$") == {"ini", "cfg"}
    assert required_literals(r"(?i)\.env$") is None  # caseless: no plain string is needed
    assert required_literals(r"[a-z]+\d*$") is None
    assert required_literals(r"(?:foo)?bar") == {"bar"}


def test_union_refuses_what_it_cannot_join() -> None:
    assert union([re.compile(r"(a)\1"), re.compile("b")]) is None
    assert union([re.compile("(?i)a"), re.compile("b")]) is None
    joined = union([re.compile(r"\.ya?ml$"), re.compile(r"(?:^|/)\.env$")])
    assert joined is not None and joined.search("x/.env") and not joined.search("x.py")


def _paths() -> list[str]:
    names = [
        "config.json",
        "targets.json",
        "current_context",
        "manifest.json",
        "a.key",
        "x.si-backup",
        "b.tgz",
        "ctx_" + "0" * 32 + ".key",
        "settings.yaml",
        ".env",
        "deploy.sh",
        "app.py",
        "Dockerfile.dev",
        "pgpass",
        ".netrc",
        "a.php5",
        "w.inc",
    ]
    dirs = [
        "",
        "contexts/prod/",
        "contexts/prod/vault/",
        "keys/",
        "backups/b/",
        "20260101T000000Z-0123abcd/",
        "src/",
        "contexts/prod/events/",
    ]
    return [d + n for d in dirs for n in names]


def test_screens_never_hide_a_match() -> None:
    state = load_private_state_patterns()
    pack = load_secret_rules()
    for sources in (
        [p.pattern.pattern for p in state.patterns],
        [p.pattern for r in pack.rules for p in r.paths],
    ):
        screen = literal_screen(sources)
        assert screen is not None
        compiled = [re.compile(s) for s in sources]
        hits = 0
        for path in _paths():
            if any(c.search(path) for c in compiled):
                hits += 1
                assert screen.search(path), path
        assert hits > 10
    for path in _paths():  # the screened match gives the same answer as every pattern
        want = next((p.id for p in state.patterns if p.pattern.search(path)), None)
        got = state.match(path)
        assert (got.id if got else None) == want, path
