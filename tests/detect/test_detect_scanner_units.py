"""The scanner's steps in process: decoding, candidates, overlaps, entropy and excerpts."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from si_paas.detect import chunks
from si_paas.detect import scanner as s
from si_paas.detect.ahomatch import AhoCorasickMatcher
from si_paas.detect.redact import redact, report_key
from si_paas.detect.rulepack import SecretRule, SecretRulePack, load_secret_rules

GHP = "ghp_" + "R8aZ3kLq9WmX2vB7nT4pH6sJ1dF5gY0cE2uQ"
RANDOM = "Rq7VmP2xLk9TzW4nHb6Y"


def _scanner(*rules: SecretRule, explain: bool = False) -> s.SecretScanner:
    pack = SecretRulePack(Path("units.yaml"), rules)
    return s.SecretScanner(pack, AhoCorasickMatcher(pack), explain=explain)


PACK = load_secret_rules()
SHIPPED = s.SecretScanner(PACK, AhoCorasickMatcher(PACK))
EXPLAINING = s.SecretScanner(PACK, AhoCorasickMatcher(PACK), explain=True)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_a_byte_order_mark_decodes_the_file_nul_bytes_and_all(bom: bytes, codec: str) -> None:
    data = bom + "KEY=välue\n".encode(codec)
    assert b"\0" in data
    assert s.decode_text(data) == "KEY=välue\n"
    assert not s.is_binary_content(data)
    assert [f.rule for f in SHIPPED.scan_bytes("a.txt", bom + f"x {GHP}\n".encode(codec))] == ["github-pat"]


def test_nul_in_the_first_8_kib_means_binary() -> None:
    assert s.is_binary(b"x" * 8191 + b"\0")
    assert not s.is_binary(b"x" * 8192 + b"\0")
    assert s.decode_text(b"x" * 8191 + b"\0") is None
    assert s.decode_text(b"x" * 8192 + b"\0") == "x" * 8192 + "\0"
    assert s.is_binary_content(b"\0abc") and not s.is_binary_content(b"x" * 8192 + b"\0")
    assert s.decode_text(b"\xfe\x00") is None  # one byte of a mark is not a mark
    assert s.decode_text(b"caf\xe9") == "caf\ufffd"
    assert SHIPPED.scan_bytes("a.bin", b"\0" + f"x {GHP}\n".encode()) == []


def test_scan_file_is_none_for_binary_bytes_and_the_findings_of_text() -> None:
    assert SHIPPED.scan_file("a.bin", b"\0" + f"x {GHP}\n".encode()) is None
    assert [f.rule for f in SHIPPED.scan_file("a.txt", f"x {GHP}\n".encode()) or []] == ["github-pat"]
    assert SHIPPED.scan_file("b.txt", b"nothing here\n") == []
    utf16 = codecs.BOM_UTF16_LE + f"x {GHP}\n".encode("utf-16-le")  # NUL bytes, yet text
    assert [f.rule for f in SHIPPED.scan_file("c.txt", utf16) or []] == ["github-pat"]


def test_shannon_entropy() -> None:
    assert s.shannon_entropy("") == 0.0
    assert s.shannon_entropy("aaaa") == 0.0
    assert s.shannon_entropy("abab") == 1.0
    assert s.shannon_entropy("abcd") == 2.0


def test_nothing_to_scan_gives_nothing() -> None:
    assert SHIPPED.scan_text("a.txt", "") == []
    assert SHIPPED.scan_text("a.txt", "plain words only\n") == []
    assert _scanner().scan_text("a.txt", f"x {GHP}\n") == []
    assert _scanner().scan_bytes("a.txt", f"x {GHP}\n".encode()) == []


def test_a_leading_bom_character_keeps_columns() -> None:
    [found] = SHIPPED.scan_text("a.txt", f"\ufeffx {GHP}\n")
    assert (found.line, found.column) == (1, 4)  # the mark reads as a space
    [raw] = SHIPPED.scan_bytes("a.txt", f"\ufeffx {GHP}\n".encode())
    assert (raw.line, raw.column) == (1, 4)


def test_finding_position_and_fields() -> None:
    [found] = SHIPPED.scan_text("src/a.py", f"one\ntwo = '{GHP}'\n")
    assert (found.rule, found.line, found.column, found.severity) == ("github-pat", 2, 8, "critical")
    assert found.excerpt is not None and found.excerpt.startswith("two = '") and GHP not in found.excerpt
    assert found.fingerprint and found.legacy_fingerprint and found.extra == {}


def test_explain_adds_the_confidence_and_filters_passed() -> None:
    scanner = EXPLAINING
    [found] = scanner.scan_text("a.txt", f"x {GHP}\n")
    assert found.extra == {"explain": {"confidence": "high", "filters_passed": []}}
    [generic] = scanner.scan_text("a.txt", f"stripe_key={RANDOM}\n")
    assert generic.extra["explain"]["filters_passed"] == list(load_secret_rules().rule(generic.rule).filters)


def test_the_secret_group_is_what_is_checked() -> None:
    rule = SecretRule("k", "k", ("key=",), r"key=(?P<secret>\w*)", "high", entropy=3.0)
    scanner = _scanner(rule)
    assert scanner.scan_text("a", "key=aaaaaaaaaaaa\n") == []  # entropy too low
    assert scanner.scan_text("a", "key=\n") == []  # an empty secret
    [found] = scanner.scan_text("a", "key=Rq7VmP2xLk9T\n")
    assert found.column == 5
    assert [
        f.column
        for f in _scanner(SecretRule("n", "n", ("key=",), r"key=\w+", "high")).scan_text("a", "key=a\n")
    ] == [1]


def test_a_blank_secret_is_no_finding() -> None:
    rule = SecretRule("b", "b", ("key=",), r"key=(?P<secret>[ \t]*)", "high")
    assert _scanner(rule).scan_text("a", "key=   \n") == []


def test_overlapping_hits_keep_the_earlier_rule_and_touching_ones_both() -> None:
    first = SecretRule("first", "1", ("ab",), r"ab\d+", "high")
    second = SecretRule("second", "2", ("cd",), r"\d+cd", "high")
    scanner = _scanner(first, second)
    assert [f.rule for f in scanner.scan_text("a", "ab123cd\n")] == ["first"]
    assert [f.rule for f in scanner.scan_text("a", "ab12 34cd\n")] == ["first", "second"]
    assert [f.rule for f in _scanner(second, first).scan_text("a", "ab123cd\n")] == ["second"]
    # a later hit inside an earlier one, and one covering an earlier one
    inner = SecretRule("inner", "i", ("x",), r"x\d", "high")
    outer = SecretRule("outer", "o", ("x",), r"yx\d\dz", "high")
    assert [f.rule for f in _scanner(inner, outer).scan_text("a", "yx12z\n")] == ["inner"]
    assert [f.rule for f in _scanner(outer, inner).scan_text("a", "yx12z x3\n")] == ["outer", "inner"]


def test_accept_keeps_non_overlapping_hits_in_start_order() -> None:
    scanner = _scanner()
    hit = s._Hit
    kept = scanner._accept(
        [
            hit(0, 10, 20, 10, "a"),
            hit(0, 0, 5, 0, "b"),
            hit(0, 5, 10, 5, "c"),
            hit(0, 19, 21, 19, "d"),
            hit(0, 4, 6, 4, "e"),
        ],
        [],
    )
    assert [h.secret for h in kept] == ["b", "c", "a"]
    # a candidate reaching into a kept one is dropped, and the ones after it still judged
    kept = scanner._accept([hit(0, 10, 20, 10, "x"), hit(0, 5, 12, 5, "y"), hit(0, 0, 3, 0, "z")], [])
    assert [h.secret for h in kept] == ["z", "x"]
    suppressed: list[s._Hit] = []
    assert scanner._accept([hit(0, 0, 5, 0, "x", "number")], suppressed) == [] and suppressed == []
    explaining = _scanner(explain=True)
    explaining._accept([hit(0, 0, 5, 0, "x", "number")], suppressed)
    assert [h.secret for h in suppressed] == ["x"]


def test_inline_allow_on_the_line_of_the_match_or_of_the_secret() -> None:
    assert SHIPPED.scan_text("a", f"x {GHP}  # si-paas: allow\n") == []
    block = SecretRule("blk", "b", ("begin",), r"begin\n(?P<secret>\w+)", "high", multiline=True)
    assert _scanner(block).scan_text("a", "begin # si-paas: allow\nRq7VmP2xLk9T\n") == []
    assert _scanner(block).scan_text("a", "begin\nRq7VmP2xLk9T # si-paas: allow\n") == []
    assert len(_scanner(block).scan_text("a", "begin\nRq7VmP2xLk9T\n")) == 1


def test_a_multi_line_window_reaches_the_next_keyword_line_or_three_lines() -> None:
    block = SecretRule("blk", "b", ("begin",), r"begin(?:\n\w+)*?\nend", "high", multiline=True)
    scanner = _scanner(block)
    assert [f.line for f in scanner.scan_text("a", "begin\na\nend\n")] == [1]
    assert [f.line for f in scanner.scan_text("a", "begin\na\nb\nc\nend\n")] == [1]  # no keyword after
    # the next keyword line closes the window, but not before three lines
    assert [f.line for f in scanner.scan_text("a", "begin\nbegin\nend\n")] == [1]
    assert [f.line for f in scanner.scan_text("a", "begin\na\nb\nc\nbegin\nend\n")] == [5]
    # a match must start on the keyword's line
    late = SecretRule("late", "l", ("begin",), r"x\nend", "high", multiline=True)
    assert _scanner(late).scan_text("a", "begin\nx\nend\n") == []
    assert [f.line for f in _scanner(late).scan_text("a", "begin x\nend\n")] == [1]


def test_the_window_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s, "MULTILINE_WINDOW", 12)
    block = SecretRule("blk", "b", ("begin",), r"begin\n\w+\nend", "high", multiline=True)
    assert _scanner(block).scan_text("a", "begin\nabcd\nend\n") == []  # 14 characters: cut at 12
    assert len(_scanner(block).scan_text("a", "begin\nab\nend\n")) == 1


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 256)
    monkeypatch.setattr(chunks, "OVERLAP_BYTES", 512)
    monkeypatch.setattr(chunks, "LARGE_FILE_BYTES", 1024)


def _big(head: str) -> bytes:
    lines = [head]
    for i in range(120):
        lines.append(f"café crème line {i} ünïcödé text\n" if i % 2 else f"plain line {i} of filler text\n")
        if i % 17 == 5:
            lines.append(f"token = '{GHP[:-3]}{i:03d}' # é\n")
    return "".join(lines).encode()


@pytest.mark.parametrize(
    "head",
    [
        f"\ufeff{GHP} first\n",  # a byte-order mark before a secret on the first line
        f"{GHP} first\n",  # a secret in the first column
        "\ufeffplain first line\n",
    ],
)
def test_chunked_scan_gives_the_whole_file_findings(small_chunks: None, head: str) -> None:
    data = _big(head)
    assert len(data) > chunks.LARGE_FILE_BYTES
    text = s.decode_text(data)
    assert text is not None
    whole = SHIPPED.scan_text("big.txt", text)
    assert len(whole) >= 7
    assert SHIPPED.scan_bytes("big.txt", data) == whole
    assert [f.line for f in whole][:1] == ([1] if GHP in head else [8])


def _excerpts(line: str) -> list[tuple[int, str]]:
    return [(f.column or 0, f.excerpt or "") for f in SHIPPED.scan_text("a.txt", line)]


def test_excerpt_keeps_the_text_around_the_secret_on_its_line() -> None:
    r = redact(GHP, report_key())
    assert _excerpts(f"x {GHP} tail\nnext line\n") == [(3, f"x {r} tail")]
    assert _excerpts(f"x {GHP}\n") == [(3, f"x {r}")]


def test_excerpt_is_cut_sixty_characters_either_side() -> None:
    r = redact(GHP, report_key())
    line = "a" * 70 + f" {GHP} " + "b" * 70
    assert _excerpts(line + "\n") == [(72, "…" + "a" * 59 + f" {r} " + "b" * 59 + "…")]
    exact = "a" * 59 + f" {GHP} " + "b" * 59  # 60 either side: nothing cut
    assert _excerpts(exact + "\n") == [(61, "a" * 59 + f" {r} " + "b" * 59)]


def test_every_occurrence_of_a_found_secret_is_redacted_in_any_order() -> None:
    r = redact(GHP, report_key())
    # the first occurrence is no finding (no boundary before it), yet it is redacted
    assert _excerpts(f"x{GHP} and {GHP}\n") == [(47, f"x{r} and {r}")]


def test_an_excerpt_edge_inside_another_secret_widens_to_hold_it() -> None:
    r = redact(GHP, report_key())
    before = "q" * 30 + GHP + "w" * 30 + f" {GHP} end"  # begin falls inside the first copy
    assert _excerpts(before + "\n") == [(102, f"…{r}" + "w" * 30 + f" {r} end")]
    after = f"x {GHP} " + "w" * 40 + GHP + "z" * 30  # stop falls inside the second copy
    assert _excerpts(after + "\n") == [(3, f"x {r} " + "w" * 40 + r + "…")]


def test_a_small_file_read_by_offset_is_decoded_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"x {GHP}\n")
    content = chunks.FileContent(os.open(path, os.O_RDONLY), path.stat().st_size)
    assert [(f.line, f.column) for f in SHIPPED.scan_bytes("a.txt", content)] == [(1, 3)]


def test_a_large_binary_file_is_skipped(small_chunks: None) -> None:
    data = b"\0" + _big(f"{GHP}\n")
    assert len(data) > chunks.LARGE_FILE_BYTES
    assert SHIPPED.scan_bytes("big.bin", data) == []
    assert _scanner().scan_bytes("big.txt", _big(f"{GHP}\n")) == []


def test_a_large_file_without_secrets_gives_an_empty_list(small_chunks: None) -> None:
    data = _big("plain first line\n").replace(GHP[:-3].encode(), b"nothing")
    assert len(data) > chunks.LARGE_FILE_BYTES
    assert SHIPPED.scan_bytes("big.txt", data) == []


@pytest.mark.parametrize("with_secret", [False, True])
def test_a_large_file_with_suppressed_candidates_only_explains_them(
    small_chunks: None, with_secret: bool
) -> None:
    scanner = EXPLAINING
    suppressed = '"output_token": "DistributionList.NextMarker",\n'
    body = "".join(f"plain filler line {i}\n" + (suppressed if i % 40 == 7 else "") for i in range(200))
    text = (f"x {GHP}\n" if with_secret else "") + body
    data = text.encode()
    whole = scanner.scan_text("big.json", text)
    assert sum("suppressed_by" in f.extra for f in whole) >= 5
    assert scanner.scan_bytes("big.json", data) == whole


def test_a_published_sample_is_explained_not_dropped() -> None:
    sample = "AIza" + "SyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs"  # a Firebase SDK sample key
    assert SHIPPED.scan_text("a.txt", f"key: {sample}\n") == []
    explained = EXPLAINING.scan_text("a.txt", f"key: {sample}\n")
    assert explained and all(f.extra == {"suppressed_by": "published-sample"} for f in explained)
    assert all(sample not in (f.excerpt or "") for f in explained)


def test_filters_read_the_key_name() -> None:
    assert SHIPPED.scan_text("a.env", f"STRIPE_PUBLISHABLE_KEY={RANDOM}\n") == []
    assert len(SHIPPED.scan_text("a.env", f"STRIPE_SECRET_KEY={RANDOM}\n")) == 1


def test_an_explained_candidate_is_redacted_in_its_own_excerpt() -> None:
    scanner = EXPLAINING
    found = scanner.scan_text("a.json", '"output_token": "DistributionList.NextMarker",\n')
    assert found and all(f.excerpt and "NextMarker" not in f.excerpt for f in found)


def test_fingerprints_and_tags_use_the_report_key() -> None:
    from si_paas.detect.redact import fingerprint

    [found] = SHIPPED.scan_text("a.txt", f"x {GHP}\n")
    assert found.fingerprint == fingerprint("github-pat", "a.txt", GHP, report_key())
    assert redact(GHP, report_key()) in (found.excerpt or "")


def test_a_chunked_scan_orders_one_line_s_findings_by_column(small_chunks: None) -> None:
    line = f"x {GHP} and AWS_ACCESS_KEY_ID=AKIA234567ABCDEFGHIJ\n"  # github-pat first, aws second
    data = _big("plain first line\n" + line * 3)
    text = s.decode_text(data)
    assert text is not None
    whole = SHIPPED.scan_text("big.txt", text)
    assert [f.rule for f in whole[:2]] == ["github-pat", "aws-access-key-id"]
    assert SHIPPED.scan_bytes("big.txt", data) == whole


def test_a_chunked_scan_of_text_dense_outside_ascii_keeps_offsets(small_chunks: None) -> None:
    # Characters of two to four bytes, more on some lines than others: a chunk's byte
    # offsets run ahead of its character offsets by varying amounts.
    lines = [f"{'é' * (i % 7)}{'中' * (i % 3)}{'😀' * (i % 5)} line {i}\n" for i in range(150)]
    for at in (9, 40, 77, 120, 149):
        lines[at] = f"{'中' * (at % 4)}token = '{GHP[:-3]}{at:03d}'\n"
    data = "".join(lines).encode()
    text = data.decode()
    whole = SHIPPED.scan_text("big.txt", text)
    assert [f.line for f in whole] == [10, 41, 78, 121, 150]
    assert SHIPPED.scan_bytes("big.txt", data) == whole


def test_a_key_block_closing_a_chunked_file_without_a_final_newline_is_found(small_chunks: None) -> None:
    block = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join("MIIEpAIBAAKCAQEA7qV3mZ9sXk2LwQp8Rt" + f"{i:02d}" + "Yb4Nc6Hd1Fg0Je5Km" for i in range(2))
        + "\n-----END RSA PRIVATE KEY-----"
    )
    for filler in range(60, 100):  # enough filler lines that the BEGIN line is in the last chunk
        data = ("".join(f"plain filler line {i}\n" for i in range(filler)) + block).encode()
        if list(chunks.chunks(data))[-1].owned <= data.index(b"-----BEGIN"):
            break
    else:
        pytest.fail("no filler puts the block in the last chunk")
    whole = SHIPPED.scan_text("big.txt", data.decode())
    assert [f.rule for f in whole] == ["privatekey-rsa"]
    assert SHIPPED.scan_bytes("big.txt", data) == whole


def test_an_excerpt_leaves_out_other_secrets_wholly_past_its_edges() -> None:
    other = "ghp_" + "Zk4Tq8Wm2Xb7Nv3Hp6Js1Df9Gc0YaR5Le8Uo"
    r, r2 = redact(GHP, report_key()), redact(other, report_key())
    line = f"{GHP} " + "w" * 70 + f" {other}"  # the first ends well before the second's excerpt
    assert _excerpts(line + "\n") == [(1, f"{r} " + "w" * 59 + "…"), (113, "…" + "w" * 59 + f" {r2}")]
    line = f"x {GHP} " + "w" * 58 + f" {other}"  # the second starts where the first's excerpt stops
    assert _excerpts(line + "\n")[0] == (3, f"x {r} " + "w" * 58 + " …")
