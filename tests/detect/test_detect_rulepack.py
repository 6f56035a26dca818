"""Loading the rule pack: the shipped one is valid, a bad one fails in one line naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from si_paas.detect.rulepack import default_rules_path, load_secret_rules
from si_paas.errors import InputError

REQUIRED = [
    "aws-access-key-id",
    "aws-secret-access-key",
    "gcp-service-account-key-id",
    "gcp-api-key",
    "azure-storage-account-key",
    "azure-storage-connection-string",
    "github-pat",
    "github-fine-grained-pat",
    "github-app-token",
    "github-oauth-token",
    "github-refresh-token",
    "gitlab-pat",
    "slack-bot-token",
    "slack-user-token",
    "slack-app-token",
    "slack-webhook",
    "stripe-secret-key",
    "stripe-restricted-key",
    "twilio-api-key",
    "twilio-auth-token",
    "twilio-account-credentials",
    "sendgrid-api-key",
    "mailgun-api-key",
    "npm-token",
    "pypi-token",
    "dockerhub-pat",
    "heroku-api-key",
    "digitalocean-pat",
    "digitalocean-oauth-token",
    "telegram-bot-token",
    "openai-api-key",
    "openai-project-key",
    "anthropic-api-key",
    "jwt",
    "privatekey-pkcs8",
    "privatekey-rsa",
    "privatekey-openssh",
    "privatekey-pgp",
    "url-credentials",
    "generic-env-assignment",
    "generic-yaml-assignment",
    "generic-json-assignment",
    "generic-toml-assignment",
    "generic-ini-assignment",
    "generic-properties-assignment",
    "generic-compose-environment",
]

RULE = """\
  - id: {id}
    description: test rule
    keywords: [{keyword}]
    regex: '{regex}'
    severity: high
    examples:
      match: ['{match}']
      no_match: ['nothing here']
"""


def write_pack(tmp_path: Path, rules: str, head: str = "version: 1\n") -> Path:
    path = tmp_path / "secrets.yaml"
    path.write_text(head + "rules:\n" + rules, encoding="utf-8")
    return path


def rule(**kw: str) -> str:
    values = {"id": "demo-token", "keyword": "demo_", "regex": "demo_[a-z0-9]{8}", "match": "demo_abcd1234"}
    values.update(kw)
    return RULE.format(**values)


def test_shipped_pack_loads_with_at_least_40_rules() -> None:
    pack = load_secret_rules()
    assert len(pack.rules) >= 40
    ids = {r.id for r in pack.rules}
    assert not [i for i in REQUIRED if i not in ids]
    assert pack.path == default_rules_path()


def test_every_rule_has_examples_and_lower_case_keywords() -> None:
    for r in load_secret_rules().rules:
        assert r.examples.match and r.examples.no_match, r.id
        assert all(k == k.lower() for k in r.keywords), r.id
        assert r.severity in ("critical", "high", "medium", "low")


def test_generic_rules_come_last() -> None:
    ids = [r.id for r in load_secret_rules().rules]
    first_generic = min(i for i, rid in enumerate(ids) if rid.startswith("generic-"))
    assert all(rid.startswith("generic-") for rid in ids[first_generic:])


def test_load_is_cached_and_reloads_when_the_file_changes(tmp_path: Path) -> None:
    path = write_pack(tmp_path, rule())
    first = load_secret_rules(path)
    assert load_secret_rules(path) is first
    path.write_text(path.read_text() + rule(id="other-token"), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert [r.id for r in load_secret_rules(path).rules] == ["demo-token", "other-token"]


def test_fragments_are_expanded(tmp_path: Path) -> None:
    head = "version: 1\nfragments:\n  body: '[a-z0-9]{8}'\n"
    pack = load_secret_rules(write_pack(tmp_path, rule(regex="demo_{{body}}"), head))
    assert pack.rules[0].regex.pattern == "demo_[a-z0-9]{8}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nrules: [\n", "invalid YAML"),
        ("version: 2\nrules: []\n", "version"),
        ("- just a list\n", "top level"),
    ],
)
def test_broken_file_is_one_line_input_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_secret_rules(path)
    message = err.value.message
    assert str(path) in message and expected in message and "\n" not in message


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (rule(regex="demo_[a-z"), "rule 'demo-token' field 'regex': invalid regex"),
        (rule(regex="demo_(?P<secret>x"), "rule 'demo-token' field 'regex': invalid regex"),
        (rule(keyword="Demo_"), "rule 'demo-token' field 'keywords[0]'"),
        (rule(id="Bad Id"), "field 'id'"),
        (rule(regex="demo_{{nope}}"), "unknown fragment {{nope}}"),
        (rule() + rule(), "rule 'demo-token': duplicate id"),
        (rule().replace("    severity: high\n", ""), "rule 'demo-token'"),
        (
            rule().replace("    severity: high\n", "    severity: urgent\n"),
            "rule 'demo-token' field 'severity'",
        ),
        (rule().replace("    examples:\n", "    colour: red\n    examples:\n"), "colour"),
        (
            rule().replace("    severity: high\n", "    severity: high\n    allow: ['(']\n"),
            "rule 'demo-token' field 'allow[0]': invalid regex",
        ),
        (
            rule().replace("    severity: high\n", "    severity: high\n    paths: ['\\.yaml$']\n"),
            "field 'examples.path'",
        ),
    ],
)
def test_bad_rule_names_file_rule_and_field(tmp_path: Path, rules: str, expected: str) -> None:
    path = write_pack(tmp_path, rules)
    with pytest.raises(InputError) as err:
        load_secret_rules(path)
    message = err.value.message
    assert message.startswith(f"{path}: "), message
    assert expected in message, message
    assert "\n" not in message and "Traceback" not in message


def test_missing_pack_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="rule pack not found"):
        load_secret_rules(tmp_path / "absent.yaml")
