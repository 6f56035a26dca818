"""The filters' edges: values just inside and just outside what each one drops."""

from __future__ import annotations

import math

import pytest

from si_paas.detect import filters as f

UUID = "0b1e2c3d-46da-4fdb-b8d5-fbd4c466928f"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("os.environ.get", True),
        ("Shards[-1].ShardId", True),
        ("client.get()", True),
        ("fmt.%s", True),
        ("fmt.%d.name", True),
        ("single", False),
        ("a.Rq7VmP2xLk9T", False),
        ("fmt.%x", False),
    ],
)
def test_dotted_path(value: str, expected: bool) -> None:
    assert f.is_dotted_path("", value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("snake_case_name", True),
        ("camelCaseName", True),
        ("CONSTANT_NAME", True),
        ("+-!~*&flag_name", True),  # leading operators are not part of the name
        ("+-!", False),
        ("", False),
        ("abc_" * 16, True),  # 64 characters
        ("abc_" * 16 + "a", False),  # 65
        ("not an identifier", False),
        ("a1b2c3d4", False),  # letters and digits interleaved
        ("alpha_1_beta_2_end", True),
        ("alpha_1_beta_2_gamma_3_end", False),  # three digit groups
        ("name_12345_end", True),
        ("name_123456_end", False),  # a digit group over five long
        ("name_0_end", True),
        ("name_01_end", False),  # a leading zero
        ("name_123456", True),  # a version tail is cut before the digits are judged
        ("___", False),
        ("a_b", True),  # two simple pieces, however short
        ("ABC1_DEF2", True),  # two simple pieces with digits
        ("ABC1DEF2", False),
        ("_1_2", False),
        ("x25519", True),
        ("AB12", True),
        ("ABCD12", False),  # digits beside four upper-case letters
        ("A0AAA103", False),
        ("Supercalifragilisticexpi", True),  # one word of 24 letters
        ("Supercalifragilisticexpia", False),  # 25
        ("aBcDeF", False),  # many one-letter words
        ("getXYZValue", True),
        ("getAbValue", True),  # one short word in three
        ("getAbCValue", False),  # two in four
        ("libgcc-v2.3", True),  # a version tail is cut first
    ],
)
def test_identifier_like(value: str, expected: bool) -> None:
    assert f._identifier_like(value) is expected
    assert f.is_identifier("key", value) is expected


def test_identifier_with_many_short_words_needs_a_quarter_of_them_short() -> None:
    # eight words: two short ones pass (8 // 4), three do not
    assert f._identifier_like("alphaBetaGammaDeltaEpsilonZetaAbCd")
    assert not f._identifier_like("alphaBetaGammaDeltaEpsilonAbCdE")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://auth.example.test/oauth/token", True),
        ("https://user:pw@db.example.test/x", False),
        ("https://db.example.test/x?u=a@b", True),  # an @ after the host is not a login
        ("/run/secrets/db", True),
        ("~/configs/app", True),
        ("/run", False),  # one part
        ("/0000123@AB/xq", False),
        ("./configs/app", True),
        ("C:\\Users\\admin", False),  # `C:` is no word
        ("my-app/v2-stage.war", True),
        ("my-app/X9-Q7.war", False),  # a part with no lower-case pair
        ("ab/X9.cd.war", True),  # only the extension is cut before the parts are judged
        ("noslash.war", False),
        ("Rq7VmP2xLk9TzW4nHb6Y", False),
    ],
)
def test_url_without_credentials(value: str, expected: bool) -> None:
    assert f.is_url_without_credentials("url", value) is expected


def test_wordy_path_part_needs_a_pair_and_half_letters() -> None:
    assert f._wordy("ab12")
    assert not f._wordy("ab123")
    assert not f._wordy("A1B2")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("ChangeToken", UUID, True),
        ("resourceId", UUID, True),
        ("ChangeToken", UUID[:-1], False),
        ("password", UUID, False),
        ("refresh_token", UUID, False),
        ("accessKeyId", UUID, False),  # an auth word in the key keeps it
    ],
)
def test_uuid_under_token_key(key: str, value: str, expected: bool) -> None:
    assert f.is_uuid_under_token_key(key, value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${VAR}", True),
        ("VS%0.f0COMNTOOLS", True),
        ("name%5s", True),
        ("Rq7%5sVmP2x", False),  # a printf format inside random text
        ("Rq7VmP2xLk9T", False),
    ],
)
def test_template(value: str, expected: bool) -> None:
    assert f.is_template("k", value) is expected


def test_placeholder_name_and_number_filters() -> None:
    assert f.is_placeholder("k", "changeme")
    assert not f.is_placeholder("k", "Rq7VmP2xLk9TzW4nHb6Y")
    assert f.is_non_secret_name("stripe_publishable_key", "x")
    assert not f.is_non_secret_name("stripe_secret_key", "x")
    assert f.is_number("k", "0xdeadbeef") and f.is_number("k", "12.5MB")
    assert not f.is_number("k", "12x34y")


def test_shannon_entropy() -> None:
    assert f.shannon_entropy("") == 0.0
    assert f.shannon_entropy("aaaa") == 0.0
    assert f.shannon_entropy("ab") == 1.0
    assert math.isclose(f.shannon_entropy("abcd"), 2.0)


def test_low_entropy_floor_rises_at_16_characters() -> None:
    fifteen = "abcdefgabcdefga"  # 7 symbols: about 2.8 bits
    assert 2.6 < f.shannon_entropy(fifteen) < 3.0
    assert not f.is_low_entropy("k", fifteen)
    sixteen = fifteen + "b"
    assert 2.6 < f.shannon_entropy(sixteen) < 3.0
    assert f.is_low_entropy("k", sixteen)
    assert f.is_low_entropy("k", "aabbaabb")
    assert not f.is_low_entropy("k", "a" * 0 + "abcdefgh")


def test_sequential_run_over_four_fifths_or_a_repeated_unit() -> None:
    assert f.is_sequential("k", "abcde") is False  # under six
    assert f.is_sequential("k", "abcdef")
    assert f.is_sequential("k", "abcdefghXY")  # a run of 8 in 10
    assert not f.is_sequential("k", "abcdefgXYZ")  # 7 in 10
    assert f.is_sequential("k", "xyxyxy")
    assert f.is_sequential("k", "q1w2e3r4q1w2e3r4q1w2e3r4")  # a unit of eight
    assert not f.is_sequential("k", "q1w2e3r4tq1w2e3r4tq1w2e3r4t")  # of nine
    assert not f.is_sequential("k", "zq9zq9zq")  # eight: a unit of three repeats under 8 // 3
    assert f.is_sequential("k", "zq9zq9zq9")
    assert f.is_sequential("k", "Rq7VmP2xLk9T") is False


def test_counting_runs_over_half() -> None:
    assert f.is_counting_runs("k", "abcxyz")
    assert not f.is_counting_runs("k", "abcx")  # under six
    assert f.is_counting_runs("k", "abcQ9Z")  # three of six
    assert not f.is_counting_runs("k", "abQ9Zk")  # runs of two do not count
    assert not f.is_counting_runs("k", "abcQ9Zk")  # three of seven


def test_runs() -> None:
    assert f._runs("abcxyzq") == [3, 3, 1]
    assert f._runs("a") == [1]
    assert f._runs("ba") == [1, 1]


def test_mixed_alnum_needs_three_turns_and_more_than_one_in_five() -> None:
    assert f._mixed_alnum("a1b2c3")  # 3 turns in 6
    assert not f._mixed_alnum("a1b2")  # 2 turns (they do not overlap)
    assert f._mixed_alnum("a1b2c3defghijk")  # 3 turns in 14: 15 > 14
    assert not f._mixed_alnum("a1b2c3defghijkl")  # 15 is not over 15


def test_first_suppressing_runs_every_named_filter_until_one_holds() -> None:
    assert f.first_suppressing(("number", "template"), "k", "${X}") == "template"
    assert f.first_suppressing((), "k", "${X}") is None
