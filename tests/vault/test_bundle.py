"""`si paas context export|import` end to end: schema, secrets, types, conflicts, round trip."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from si_paas.resources import schema

from conftest import Run
from vaulthelp import one_line_error, secret_set

OSS = ("paas", "--context", "oss-demo")
DOG = ("paas", "--context", "internal-dogfood")


def _populate(si: Callable[..., Run], home: Path) -> None:
    src = home / "src" / "web"
    src.mkdir(parents=True, exist_ok=True)
    for args in (
        (
            *OSS,
            "target",
            "add",
            "demo-1",
            "--host",
            "demo-1.example.test",
            "--port",
            "2222",
            "--user",
            "ops",
            "--disposable",
            "--label",
            "tier=demo",
        ),
        (*OSS, "target", "add", "demo-2", "--host", "demo-2.example.test", "--disposable"),
        (
            *OSS,
            "app",
            "add",
            "web",
            "--source",
            str(src),
            "--target",
            "demo-1",
            "--target",
            "demo-2",
            "--label",
            "team=web",
        ),
    ):
        run = si(*args)
        assert run.code == 0, run.stderr


def _export(si: Callable[..., Run], path: Path, *args: str) -> dict[str, Any]:
    run = si(*OSS, "context", "export", "--output", str(path), *args)
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _other_root(tmp_path: Path, name: str = "elsewhere") -> dict[str, str]:
    """Another machine's state root (same HOME, so the same key dir)."""
    return {"SI_PAAS_STATE_ROOT": str(tmp_path / name / "paas")}


def _items(si: Callable[..., Run], ctx: str, what: str, extra: dict[str, str]) -> list[Any]:
    run = si("paas", "--context", ctx, what, "list", "--json", extra_env=extra)
    assert run.code == 0, run.stderr
    items: list[Any] = run.json["items"]
    return items


def _write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def test_export_shape(baseline: Callable[..., Run], home: Path, tmp_path: Path, state_root: Path) -> None:
    si = baseline
    _populate(si, home)
    assert secret_set(si, "oss-demo", "DEMO_API_TOKEN", "demo-Token-value-991").code == 0
    alerts = state_root / "contexts/oss-demo/alerts/policy.json"
    policy = {
        "schema_version": 1,
        "context": "oss-demo",
        "context_id": json.loads((state_root / "contexts/oss-demo/config.json").read_text())["context_id"],
        "repeat_interval": "4h",
        "routes": [],
        "channels": [
            {
                "name": "ops",
                "type": "webhook",
                "url_ref": "DEMO_HOOK_URL",
                "timeout": "5s",
                "retries": 2,
                "backoff": "1s",
            }
        ],
    }
    alerts.parent.mkdir(exist_ok=True)
    alerts.write_text(json.dumps(policy))
    out = tmp_path / "exports" / "oss.json"
    bundle = _export(si, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    Draft202012Validator(schema("export-bundle")).validate(bundle)
    cfg = json.loads((state_root / "contexts/oss-demo/config.json").read_text())
    assert bundle["format"] == "si-paas-context-export" and bundle["version"] == 1
    assert bundle["origin"] == {"context": "oss-demo", "type": "oss-demo", "context_id": cfg["context_id"]}
    assert "vault_file" not in bundle["config"] and "state_root" not in bundle["config"]
    assert bundle["config"]["context_id"] == cfg["context_id"]
    assert [t["name"] for t in bundle["targets"]] == ["demo-1", "demo-2"]
    assert all("context" not in r and "context_id" not in r for r in [*bundle["targets"], *bundle["apps"]])
    assert bundle["alert_policy"] == policy
    text = out.read_text()
    assert "ENC[" not in text and "DEMO_API_TOKEN" not in text and "events" not in bundle
    # stdout, and the JSON envelope
    assert json.loads(si(*OSS, "context", "export").stdout)["targets"] == bundle["targets"]
    enveloped = si(*OSS, "context", "export", "--json").json
    assert enveloped["ok"] is True and enveloped["bundle"]["apps"] == bundle["apps"]


def test_export_output_rules(
    baseline: Callable[..., Run], home: Path, tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    si = baseline
    out = tmp_path / "exports" / "oss.json"
    _export(si, out)
    before = out.read_bytes()
    again = si(*OSS, "context", "export", "--output", str(out))
    assert again.code == 2 and "--force" in one_line_error(again)
    assert out.read_bytes() == before
    _export(si, out, "--force")
    repo = make_repo("app")
    inside = si(*OSS, "context", "export", "--output", str(repo / "exports" / "oss.json"))
    assert inside.code == 1 and "inside git work tree" in one_line_error(inside)
    assert not (repo / "exports").exists()


def test_export_refuses_a_secret_label(
    baseline: Callable[..., Run], tmp_path: Path, state_root: Path
) -> None:
    si = baseline
    value = "Zx81kQpLmN0aaTT"
    refused = si(*DOG, "target", "add", "db", "--host", "db.internal.test", "--label", f"api_token={value}")
    assert refused.code == 2 and value not in refused.stderr  # `target add` refuses it
    assert si(*DOG, "target", "add", "db", "--host", "db.internal.test").code == 0
    # A label edited in by hand is still refused on the way out.
    path = state_root / "contexts" / "internal-dogfood" / "targets.json"
    doc = json.loads(path.read_text())
    doc["items"][0]["labels"] = {"api_token": value}
    path.write_text(json.dumps(doc))
    run = si(*DOG, "context", "export", "--output", str(tmp_path / "dog.json"))
    assert run.code == 2
    line = one_line_error(run)
    assert "$.targets[0].labels.api_token" in line and value not in line and "Zx8…" in line
    assert not (tmp_path / "dog.json").exists()


def test_round_trip_into_a_fresh_context(baseline: Callable[..., Run], home: Path, tmp_path: Path) -> None:
    si = baseline
    _populate(si, home)
    bundle = _export(si, tmp_path / "exports" / "oss.json")
    there = _other_root(tmp_path)
    init = si(
        "paas", "context", "init", "--name", "oss-demo-2", "--type", "oss-demo", "--json", extra_env=there
    )
    assert init.code == 0, init.stderr
    new_id = init.json["context_config"]["context_id"]
    run = si(
        "paas",
        "--context",
        "oss-demo-2",
        "context",
        "import",
        str(tmp_path / "exports" / "oss.json"),
        "--json",
        extra_env=there,
    )
    assert run.code == 0, run.stderr
    assert run.json["imported"] == {"targets": ["demo-1", "demo-2"], "apps": ["web"]}
    for what, exported in (("target", bundle["targets"]), ("app", bundle["apps"])):
        items = _items(si, "oss-demo-2", what, there)
        assert all(i["context"] == "oss-demo-2" and i["context_id"] == new_id for i in items)
        assert [{k: v for k, v in i.items() if k not in ("context", "context_id")} for i in items] == exported
    # The import is audited with where it came from.
    events = si(
        "paas", "--context", "oss-demo-2", "events", "list", "--kind", "audit", "--json", extra_env=there
    ).json["items"]
    audit = next(e for e in events if e["command"] == "context import")
    assert audit["command"] == "context import" and audit["status"] == "ok"
    assert audit["args"]["origin"]["context"] == "oss-demo"
    assert "cross_type" not in audit["args"]
    assert si("paas", "--context", "oss-demo-2", "doctor", "--json", extra_env=there).code == 0


def test_import_needs_explicit_context(baseline: Callable[..., Run], tmp_path: Path) -> None:
    out = tmp_path / "oss.json"
    _export(baseline, out)
    run = baseline("paas", "context", "import", str(out))
    assert run.code == 2 and "--context" in one_line_error(run)


def test_import_over_existing_records_needs_force(
    baseline: Callable[..., Run], home: Path, tmp_path: Path
) -> None:
    si = baseline
    _populate(si, home)
    out = tmp_path / "oss.json"
    _export(si, out)
    there = _other_root(tmp_path)
    assert (
        si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", extra_env=there).code == 0
    )
    assert (
        si(
            *OSS, "target", "add", "demo-1", "--host", "other.example.test", "--disposable", extra_env=there
        ).code
        == 0
    )
    targets = tmp_path / "elsewhere/paas/contexts/oss-demo/targets.json"
    before = targets.read_bytes()
    refused = si(*OSS, "context", "import", str(out), extra_env=there)
    assert refused.code == 2 and "'demo-1' already exist" in one_line_error(refused)
    assert targets.read_bytes() == before
    assert not (tmp_path / "elsewhere/paas/contexts/oss-demo/apps.json").exists()
    forced = si(*OSS, "context", "import", str(out), "--force", extra_env=there)
    assert forced.code == 0, forced.stderr
    hosts = {t["name"]: t["host"] for t in _items(si, "oss-demo", "target", there)}
    assert hosts == {"demo-1": "demo-1.example.test", "demo-2": "demo-2.example.test"}


def test_cross_type_import(baseline: Callable[..., Run], home: Path, tmp_path: Path) -> None:
    si = baseline
    _populate(si, home)
    out = tmp_path / "oss.json"
    _export(si, out)
    there = _other_root(tmp_path)
    assert (
        si(
            "paas",
            "context",
            "init",
            "--name",
            "internal-dogfood",
            "--type",
            "internal-dogfood",
            extra_env=there,
        ).code
        == 0
    )
    refused = si(*DOG, "context", "import", str(out), extra_env=there)
    assert refused.code == 2
    assert "--allow-cross-type" in one_line_error(refused)
    assert _items(si, "internal-dogfood", "target", there) == []
    allowed = si(*DOG, "context", "import", str(out), "--allow-cross-type", "--json", extra_env=there)
    assert allowed.code == 0, allowed.stderr
    assert allowed.json["cross_type"] is True
    assert len(_items(si, "internal-dogfood", "target", there)) == 2
    audit = si(*DOG, "events", "list", "--kind", "audit", "--json", extra_env=there).json
    entry = next(e for e in audit["items"] if e["command"] == "context import")
    assert entry["status"] == "ok" and entry["args"]["cross_type"] is True


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("alert_policy", "$.alert_policy.channels.slack.api_token"),
        ("label", "$.targets[0].labels.api_token"),
    ],
)
def test_secret_in_bundle_is_rejected(
    baseline: Callable[..., Run], home: Path, tmp_path: Path, where: str, path: str
) -> None:
    si = baseline
    _populate(si, home)
    bundle = _export(si, tmp_path / "oss.json")
    value = "xoxb-9981-Secret-Token-Value"
    if where == "alert_policy":
        bundle["alert_policy"] = {"channels": {"slack": {"api_token": value}}}
    else:
        bundle["targets"][0]["labels"]["api_token"] = value
    bad = _write(tmp_path / "bad.json", bundle)
    there = _other_root(tmp_path)
    assert (
        si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", extra_env=there).code == 0
    )
    run = si(*OSS, "context", "import", str(bad), extra_env=there)
    assert run.code == 2
    line = one_line_error(run)
    assert path in line and str(bad) in line and value not in line and "xoxb…" in line
    assert _items(si, "oss-demo", "target", there) == []
    # A placeholder is metadata, not a secret.
    bundle["alert_policy"] = {"channels": {"slack": {"api_token": "${SLACK_TOKEN}"}}}
    bundle["targets"][0]["labels"].pop("api_token", None)
    ok = si(*OSS, "context", "import", str(_write(tmp_path / "ok.json", bundle)), extra_env=there)
    assert ok.code == 0, ok.stderr


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["targets"][0].update(port="22"), "targets[0].port"),
        (lambda b: b.update(format="something-else"), "format"),
        (lambda b: b["apps"][0].update(context="oss-demo"), "apps[0]"),
        (lambda b: b.pop("origin"), "(top level)"),
    ],
)
def test_invalid_bundle_names_file_and_field(
    baseline: Callable[..., Run], home: Path, tmp_path: Path, change: Callable[[Any], Any], field: str
) -> None:
    si = baseline
    _populate(si, home)
    bundle = _export(si, tmp_path / "oss.json")
    change(bundle)
    bad = _write(tmp_path / "bad.json", bundle)
    run = si(*OSS, "context", "import", str(bad))
    assert run.code == 2
    line = one_line_error(run)
    assert f"{bad}: field {field}" in line


def test_unreadable_bundles(baseline: Callable[..., Run], tmp_path: Path) -> None:
    missing = baseline(*OSS, "context", "import", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "no such file" in one_line_error(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    run = baseline(*OSS, "context", "import", str(broken))
    assert run.code == 2 and f"{broken}: invalid JSON" in one_line_error(run)


def test_app_needs_its_targets(baseline: Callable[..., Run], home: Path, tmp_path: Path) -> None:
    si = baseline
    _populate(si, home)
    bundle = _export(si, tmp_path / "oss.json")
    bundle["targets"] = [t for t in bundle["targets"] if t["name"] != "demo-2"]
    there = _other_root(tmp_path)
    assert (
        si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", extra_env=there).code == 0
    )
    run = si(*OSS, "context", "import", str(_write(tmp_path / "b.json", bundle)), extra_env=there)
    assert run.code == 2 and "'demo-2'" in one_line_error(run)
    assert _items(si, "oss-demo", "target", there) == []


def test_import_is_judged_by_the_gate(baseline: Callable[..., Run], home: Path, tmp_path: Path) -> None:
    # Importing oss-demo's targets into internal-dogfood of the same state root would make two
    # contexts share hosts: the gate refuses it and nothing is written.
    si = baseline
    _populate(si, home)
    out = tmp_path / "oss.json"
    _export(si, out)
    run = si(*DOG, "context", "import", str(out), "--allow-cross-type")
    assert run.code == 1 and "no-cross-context-data" in run.stderr
    assert si(*DOG, "target", "list", "--json").json["count"] == 0
