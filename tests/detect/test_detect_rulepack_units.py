"""A user's rule pack loaded in process: defaults, backtracking refusal, digest and spans."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from si_paas import diskcache
from si_paas.detect.rulepack import SecretRule, _digest, load_secret_rules, pack_digest
from si_paas.errors import InputError


def _rule(**fields: Any) -> dict[str, Any]:
    rule = {
        "id": "demo-token",
        "description": "test rule",
        "keywords": ["demo_"],
        "regex": "demo_[a-z0-9]{8}",
        "severity": "high",
        "examples": {"match": ["demo_abcd1234"], "no_match": ["nothing here"]},
    }
    rule.update(fields)
    return rule


def _pack(tmp_path: Path, *rules: dict[str, Any], name: str = "secrets.yaml", **top: Any) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"version": 1, **top, "rules": list(rules)}), encoding="utf-8")
    return path


def test_a_user_rule_takes_the_defaults(tmp_path: Path) -> None:
    [rule] = load_secret_rules(_pack(tmp_path, _rule())).rules
    assert (rule.multiline, rule.confidence, rule.filters, rule.entropy, rule.paths) == (
        False,
        "high",
        (),
        None,
        (),
    )
    assert rule.applies_to("any/where.txt")


def test_fields_given_are_kept(tmp_path: Path) -> None:
    given = _rule(multiline=True, confidence="low", entropy=3, filters=["number"], paths=[r"\.env$"])
    given["examples"]["path"] = "app/.env"
    [rule] = load_secret_rules(_pack(tmp_path, given)).rules
    assert (rule.multiline, rule.confidence, rule.filters, rule.entropy) == (True, "low", ("number",), 3.0)
    assert rule.applies_to("app\\.env") and not rule.applies_to("app/env.txt")


def test_secret_span_prefers_the_named_group_then_the_first() -> None:
    def span(source: str, text: str) -> tuple[int, int]:
        rule = SecretRule("r", "", (), source, "high")
        match = rule.regex.search(text)
        assert match is not None
        return rule.secret_span(match)

    assert span(r"k=(?P<secret>\w+)", "k=abc") == (2, 5)
    assert span(r"(k)=(?P<secret>\w+)?;", "k=;") == (0, 1)  # empty secret group: group 1
    assert span(r"k=(\w+)", "k=abc") == (2, 5)
    assert span(r"k=(x)?(\w+)", "k=abc") == (0, 5)  # group 1 took no part: the whole match
    assert span(r"k=\w+", "k=abc") == (0, 5)


def test_a_backtracking_user_regex_is_refused_at_load(tmp_path: Path) -> None:
    path = _pack(tmp_path, _rule(regex="demo_(a+)+$", examples={"match": ["demo_a"], "no_match": ["x"]}))
    with pytest.raises(InputError) as err:
        load_secret_rules(path)
    assert err.value.message.startswith(f"{path}: rule 'demo-token' field 'regex': regex can backtrack")


def test_every_field_is_checked_not_only_the_first(tmp_path: Path) -> None:
    path = _pack(tmp_path, _rule(), _rule(id="bad-token", allow=["x", "(b|bb)*c"]))
    with pytest.raises(InputError) as err:
        load_secret_rules(path)
    assert "rule 'bad-token' field 'allow[1]'" in err.value.message
    path = _pack(tmp_path, _rule(), name="top.yaml", allow=["ok", "(?:x+)+y"])
    with pytest.raises(InputError) as err:
        load_secret_rules(path)
    assert ": allow[1]: regex can backtrack" in err.value.message


def test_a_shipped_regex_is_trusted_and_the_rest_still_checked(tmp_path: Path) -> None:
    shipped = load_secret_rules().rule("privatekey-rsa")
    copied = _rule(
        id="my-rsa",
        keywords=list(shipped.keywords),
        regex=shipped.regex_source,
        multiline=True,
        examples={"match": list(shipped.examples.match), "no_match": ["x"]},
    )
    [rule] = load_secret_rules(_pack(tmp_path, copied)).rules
    assert rule.regex.pattern == shipped.regex_source
    with pytest.raises(InputError, match="rule 'after' field 'regex'"):
        load_secret_rules(_pack(tmp_path, copied, _rule(id="after", regex="(a|aa)*b"), name="two.yaml"))


def test_digest_follows_the_fields_that_decide_findings(tmp_path: Path) -> None:
    def digest(name: str, **fields: Any) -> str:
        return load_secret_rules(_pack(tmp_path, _rule(**fields), name=name)).digest

    base = digest("a.yaml")
    assert digest("b.yaml") == base  # the file's name is left out
    assert digest("c.yaml", examples={"match": ["demo_zzzz9999"], "no_match": ["y"]}) == base
    assert digest("d.yaml", keywords=["demo_", "other"]) != base
    assert digest("e.yaml", description="another") != base
    assert (
        digest(
            "f.yaml",
            paths=[r"\.env$"],
            examples={"match": ["demo_abcd1234"], "no_match": ["x"], "path": ".env"},
        )
        != base
    )
    assert digest("g.yaml", entropy=2.5) != base
    env = {"match": ["demo_abcd1234"], "no_match": ["x"], "path": "a.env"}
    assert digest("h.yaml", paths=[r"\.env$"], examples=env) != digest(
        "i.yaml", paths=[r"env$"], examples=env
    )
    assert digest("j.yaml", allow=["^demo_0"]) != digest("k.yaml", allow=["^demo_1"])


def test_pack_allow_and_rule_allow_make_placeholders(tmp_path: Path) -> None:
    pack = load_secret_rules(_pack(tmp_path, _rule(allow=["^demo_0"]), allow=["^demo_1"]))
    [rule] = pack.rules
    assert pack.is_placeholder(rule, "demo_0abcdefg") and pack.is_placeholder(rule, "demo_1abcdefg")
    assert not pack.is_placeholder(rule, "demo_2abcdefg")
    assert pack.allow[0].pattern == "^demo_1" and isinstance(pack.allow[0], re.Pattern)


def test_only_and_rule_pick_by_id(tmp_path: Path) -> None:
    pack = load_secret_rules(_pack(tmp_path, _rule(), _rule(id="other-token")))
    assert [r.id for r in pack.only("other-token").rules] == ["other-token"]
    assert pack.rule("other-token").id == "other-token"
    with pytest.raises(KeyError):
        pack.rule("absent")


def test_a_bad_path_regex_is_refused_at_load_naming_it(tmp_path: Path) -> None:
    path = _pack(tmp_path, _rule(paths=[r"\.env$", "(?:unclosed"]))
    with pytest.raises(InputError, match=r"rule 'demo-token' field 'paths\[1\]'"):
        load_secret_rules(path)


def test_a_path_regex_no_string_can_screen_still_decides(tmp_path: Path) -> None:
    given = _rule(paths=["^[a-z]+$"])  # every match holds no one plain string
    given["examples"]["path"] = "envfile"
    [rule] = load_secret_rules(_pack(tmp_path, given)).rules
    assert rule.applies_to("envfile") and not rule.applies_to("Envfile") and not rule.applies_to("a/b")


def test_the_digest_of_the_checked_form_is_that_of_the_rules(tmp_path: Path) -> None:
    """`pack_digest` names a pack without building it, as its rules' fields do; a pack made
    in code (`only`) has the digest of its own rules."""
    path = _pack(tmp_path, _rule(), _rule(id="other-token", keywords=["other"]), allow=["^demo_0"])
    pack = load_secret_rules(path)
    assert pack_digest(path) == pack.digest == _digest(pack.rules, pack.allow)
    shipped = load_secret_rules()
    assert pack_digest() == shipped.digest == _digest(shipped.rules, shipped.allow)
    assert pack.only("other-token").digest == _digest(pack.only("other-token").rules, pack.allow)
    assert pack.only("other-token").digest != pack.digest


@pytest.mark.own_cache
def test_a_checked_form_without_its_digest_is_named_by_the_built_rules(tmp_path: Path) -> None:
    """A kept form that lacks the digest (or holds a wrong kind of value) still gives the
    pack's own: the digest is then made from the built rules."""
    path = _pack(tmp_path, _rule())
    pack = load_secret_rules(path)
    expected = _digest(pack.rules, pack.allow)
    key = diskcache.key_for("rule pack", path.read_bytes())
    form = diskcache.get(key)
    assert form is not None and form["digest"] == expected == pack.digest
    for bad in (None, 7, ""):
        diskcache.put(key, {**form, "digest": bad})
        same = _pack(tmp_path, _rule(), name=f"same-{bad}.yaml")  # the same bytes: that entry
        assert pack_digest(same) == expected
        assert load_secret_rules(same).digest == expected
