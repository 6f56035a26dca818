"""Both matcher backends give identical findings: generated files, rule examples, corpus.

The Hyperscan backend only narrows the lines the exact regexes look at; the Python regexes
judge every finding. Any difference here is a finding one backend drops.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from si_paas.detect.ahomatch import AhoCorasickMatcher
from si_paas.detect.rulepack import SecretRulePack, load_secret_rules
from si_paas.detect.scanner import SecretScanner

hyperscan = pytest.importorskip("hyperscan")
from si_paas.detect import hsmatch  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PACK = load_secret_rules()


def _pair(pack: SecretRulePack) -> tuple[SecretScanner, SecretScanner]:
    matcher = hsmatch.load(pack, may_compile=True)
    assert matcher is not None, hsmatch.unavailable_reason()
    return SecretScanner(pack, AhoCorasickMatcher(pack)), SecretScanner(pack, matcher)


PYTHON, HYPERSCAN = _pair(PACK)


def _same(path: str, text: str) -> None:
    assert HYPERSCAN.scan_text(path, text) == PYTHON.scan_text(path, text), (path, text)


def test_every_rule_example_gives_the_same_findings() -> None:
    checked = 0
    for rule in PACK.rules:
        for text in (*rule.examples.match, *rule.examples.no_match):
            for path in (rule.examples.path, "src/app.py"):
                _same(path, text)
                _same(path, f"x = 1\n{text}\r\n{text.upper()}\n")
                for space in "\t\x0b\x0c\x1c\x1f":  # all of them \s to Python
                    _same(path, text.replace(" ", space))
                checked += 1
    assert checked > 4 * len(PACK.rules)


def test_every_single_line_shipped_rule_takes_part_through_its_prefilter() -> None:
    matcher = HYPERSCAN.matcher
    assert isinstance(matcher, hsmatch.HyperscanMatcher)
    by_prefilter = {e["id"][1] for entries in matcher.plan.values() for e in entries if e.get("prefilter")}
    refused = [r.id for i, r in enumerate(PACK.rules) if not r.multiline and i not in by_prefilter]
    assert refused == []


def test_the_labelled_corpus_gives_the_same_findings() -> None:
    files = sorted(p for p in (CORPUS / "repo").rglob("*") if p.is_file())
    found = 0
    for path in files:
        rel = path.relative_to(CORPUS / "repo").as_posix()
        data = path.read_bytes()
        ours = HYPERSCAN.scan_bytes(rel, data)
        assert ours == PYTHON.scan_bytes(rel, data), rel
        found += len(ours)
    assert len(files) > 20 and found > 50


# Text built from the pieces findings are made of: rule examples (matching and not),
# keywords, separators, quotes, line breaks, and characters outside ASCII, including the
# ones that case-fold onto ASCII letters.
_PIECES = sorted(
    {t for r in PACK.rules for t in (*r.examples.match, *r.examples.no_match)}
    | {k for r in PACK.rules for k in (*r.keywords, *r.case_sensitive_keywords)}
)
_CHARS = "\x1c\x0b\x0c\x85abcXYZ0129=:'\"_-./+ \t\n\r{}()[]$#@\u212a\u0130\u017f\u00e9\u4e2d\ufeff\\"
_piece = st.one_of(
    st.sampled_from(_PIECES),
    st.text(alphabet=_CHARS, max_size=12),
    st.sampled_from(_PIECES).map(str.upper),
    st.sampled_from(_PIECES).map(lambda s: s.replace("=", " = ")),
)
_paths = st.sampled_from(
    [
        "app/.env",
        "src/main.py",
        ".pgpass",
        "config/settings.yaml",
        "id_rsa",
        "deploy/.npmrc",
        "notes.txt",
        "x.env/notes.txt",
        "compose.yaml/inner.txt",
        "a/b/docker-compose.yml",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=_paths,
    pieces=st.lists(_piece, max_size=14),
    joins=st.lists(st.sampled_from(["", " ", "\n", "\r\n", "=", "\n\n"]), max_size=14),
)
def test_generated_files_give_the_same_findings(path: str, pieces: list[str], joins: list[str]) -> None:
    text = "".join(p + (joins[i] if i < len(joins) else "") for i, p in enumerate(pieces))
    _same(path, text)


def _pack_file(tmp_path: Path, regex: str) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(
        "version: 1\ndescription: test\nrules:\n"
        "  - id: long-repeat\n    description: refused by Hyperscan\n"
        "    keywords: [token]\n"
        f"    regex: '{regex}'\n"
        "    severity: high\n"
        "    examples:\n      match: ['token=abcdefghz']\n      no_match: ['token=ABC']\n",
        encoding="utf-8",
    )
    return path


def test_a_pattern_hyperscan_refuses_still_finds_through_its_keywords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SI_PAAS_CACHE_DIR", str(tmp_path / "cache"))
    pack = load_secret_rules(_pack_file(tmp_path, "token=(?P<secret>[a-z]{1,60000}z)"))
    matcher = hsmatch.load(pack, may_compile=True)
    assert matcher is not None
    assert not any(e.get("prefilter") for e in matcher.plan["ascii"])  # kept by keyword
    python, ours = _pair(pack)
    for text in ("token=abcdefghz\n", "x\nTOKEN=abcz token=qqqqz\n", "token=ABC"):
        assert ours.scan_text("a.txt", text) == python.scan_text("a.txt", text)
    assert [f.line for f in ours.scan_text("a.txt", "\n\ntoken=abcdefghz\n")] == [3]


def test_the_database_is_loaded_from_the_disk_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SI_PAAS_CACHE_DIR", str(tmp_path / "cache"))
    pack = load_secret_rules(_pack_file(tmp_path, "token=(?P<secret>[a-z]{8}z)"))
    assert hsmatch.load(pack, may_compile=False) is None  # never compiled on demand
    assert hsmatch.load(pack, may_compile=True) is not None
    hsmatch._LOADED.clear()  # a new process: only the disk cache is left
    loaded = hsmatch.load(pack, may_compile=False)
    assert loaded is not None
    assert [f.line for f in SecretScanner(pack, loaded).scan_text("a", "token=abcdefghz")] == [1]
    assert list((tmp_path / "cache").rglob("*.bin"))
