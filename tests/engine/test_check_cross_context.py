"""state.no_cross_context_data on real records: references across contexts and shared hosts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from si_paas.engine.evaluate import evaluate

from statehelp import app, cid, context, event, events, records, run_check, shipped, snapshot, target

POLICY = shipped("no-cross-context-data")


@pytest.fixture
def two(tmp_path: Path) -> Path:
    """dog (internal-dogfood: target edge, app orders) and demo (oss-demo: target web, app site)."""
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    context(root, "dog", "internal-dogfood", 1)
    context(root, "demo", "oss-demo", 2)
    records(root, "dog", 1, "targets", [target("edge", "edge.internal.test", "dog", 1)])
    records(root, "dog", 1, "apps", [app("orders", "dog", 1, ["edge"])])
    records(root, "demo", 2, "targets", [target("web", "web.test", "demo", 2)])
    records(root, "demo", 2, "apps", [app("site", "demo", 2, ["web"])])
    return root


def _messages(root: Path, focus: str | None = None) -> list[str]:
    return [f.message for f in run_check(POLICY, snapshot(root, focus=focus))]


def test_separate_contexts_pass(two: Path) -> None:
    events(two, "demo", [event("demo", 2, target="web", app="site")])
    events(two, "dog", [event("dog", 1, target="edge", app="orders")])
    assert _messages(two) == []


@pytest.mark.parametrize(("field", "ref", "owner"), [("target", "edge", "dog"), ("app", "orders", "dog")])
def test_an_event_naming_another_contexts_record_fails(two: Path, field: str, ref: str, owner: str) -> None:
    events(two, "demo", [event("demo", 2, **{field: ref})])
    findings = run_check(POLICY, snapshot(two))
    assert [(f.message, f.line) for f in findings] == [
        (f"event refers to {field} {ref!r} of context {owner!r}", 1)
    ]
    assert findings[0].path == str(two / "contexts/demo/events/audit.jsonl")
    check = evaluate([POLICY], snapshot(two), "state").checks[0]
    assert check.status == "fail" and check.blocking and check.severity == "critical"


def test_an_event_naming_its_own_record_or_an_unknown_one_passes(two: Path) -> None:
    events(
        two, "demo", [event("demo", 2, target="web", app="site"), event("demo", 2, target="gone", app="gone")]
    )
    assert _messages(two) == []


def test_a_name_both_contexts_use_is_their_own(two: Path) -> None:
    records(
        two,
        "demo",
        2,
        "targets",
        [target("web", "web.test", "demo", 2), target("edge", "edge.demo.test", "demo", 2)],
    )
    events(two, "demo", [event("demo", 2, target="edge")])
    assert _messages(two) == []


def test_only_the_focused_context_is_judged_for_references(two: Path) -> None:
    events(two, "demo", [event("demo", 2, target="edge")])
    assert _messages(two, focus="dog") == []
    assert len(_messages(two, focus="demo")) == 1


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"context": "dog"}, "event: record names context 'dog'"),
        ({"context_id": cid(1)}, "event: record carries context_id of 'dog'"),
        ({"context_id": cid(9)}, "event: record carries a foreign context_id"),
    ],
)
def test_an_event_of_another_context(two: Path, fields: dict[str, str], why: str) -> None:
    row = {**event("demo", 2), **fields}
    events(two, "demo", [event("demo", 2), row])
    findings = run_check(POLICY, snapshot(two))
    assert [(f.message, f.line) for f in findings] == [(why, 2)]


@pytest.mark.parametrize("host", ["edge.internal.test", "EDGE.internal.test.", "ops@edge.internal.test"])
def test_a_host_in_two_contexts_fails_on_any_port(two: Path, host: str) -> None:
    records(two, "demo", 2, "targets", [target("web", host, "demo", 2, port=2222)])
    findings = run_check(POLICY, snapshot(two))
    assert len(findings) == 1 and findings[0].extra["kind"] == "shared-host"
    assert findings[0].extra["contexts"] == ["demo", "dog"]


def test_one_vault_file_for_two_contexts(tmp_path: Path) -> None:
    root = tmp_path / "state"
    shared = str(tmp_path / "shared.env")
    context(root, "dog", "internal-dogfood", 1, vault_file=shared)
    context(root, "demo", "oss-demo", 2, vault_file=shared)
    findings = run_check(POLICY, snapshot(root))
    assert [f.extra.get("kind") for f in findings] == ["shared-vault"]


def test_a_copied_context_directory(tmp_path: Path) -> None:
    root = tmp_path / "state"
    context(root, "dog", "internal-dogfood", 1)
    context(root, "copy", "internal-dogfood", 1)
    findings = run_check(POLICY, snapshot(root))
    assert [f.extra.get("kind") for f in findings] == ["copied-context"]


def test_a_record_of_another_context_in_a_collection(two: Path) -> None:
    records(
        two, "demo", 2, "targets", [target("web", "web.test", "demo", 2), target("x", "x.test", "dog", 1)]
    )
    assert _messages(two) == ["target 'x': record names context 'dog'"]


def test_a_shared_host_message_names_each_target_and_port(two: Path) -> None:
    records(two, "demo", 2, "targets", [target("web", "edge.internal.test", "demo", 2, port=2222)])
    assert _messages(two) == [
        "target host edge.internal.test is used by contexts demo, dog (targets demo/web:2222, dog/edge)"
    ]


def _local(name: str, path: str, owner: str, n: int, transport: str = "local") -> dict:
    return {**target(name, "localhost", owner, n), "transport": transport, "path": path}


def test_local_targets_are_one_host_by_their_real_folder(tmp_path: Path) -> None:
    root = tmp_path / "state"
    context(root, "dog", "internal-dogfood", 1)
    context(root, "demo", "oss-demo", 2)
    (tmp_path / "srv" / "a").mkdir(parents=True)
    (tmp_path / "srv" / "b").mkdir()
    records(root, "dog", 1, "targets", [_local("a", str(tmp_path / "srv/a"), "dog", 1)])
    records(root, "demo", 2, "targets", [_local("b", str(tmp_path / "srv/b"), "demo", 2)])
    assert _messages(root) == []  # both on localhost, in different folders
    records(root, "demo", 2, "targets", [_local("b", str(tmp_path / "srv/b/../a"), "demo", 2)])
    assert [f.extra["kind"] for f in run_check(POLICY, snapshot(root))] == ["shared-host"]


def test_ssh_targets_are_one_host_whatever_their_path(tmp_path: Path) -> None:
    root = tmp_path / "state"
    context(root, "dog", "internal-dogfood", 1)
    context(root, "demo", "oss-demo", 2)
    records(root, "dog", 1, "targets", [_local("a", "/srv/a", "dog", 1, "ssh")])
    records(root, "demo", 2, "targets", [_local("b", "/srv/b", "demo", 2, "ssh")])
    assert [f.extra["kind"] for f in run_check(POLICY, snapshot(root))] == ["shared-host"]


@pytest.fixture
def three(tmp_path: Path) -> Path:
    """dog and demo share a host and a vault file; other is apart."""
    root = tmp_path / "state"
    shared = str(tmp_path / "shared.env")
    context(root, "dog", "internal-dogfood", 1, vault_file=shared)
    context(root, "demo", "oss-demo", 2, vault_file=shared)
    context(root, "other", "oss-demo", 3)
    records(root, "dog", 1, "targets", [target("a", "a.test", "dog", 1)])
    records(root, "demo", 2, "targets", [target("b", "a.test", "demo", 2)])
    return root


def test_shared_things_are_judged_only_for_the_contexts_in_focus(three: Path) -> None:
    assert run_check(POLICY, snapshot(three, focus="other")) == []
    kinds = sorted(f.extra["kind"] for f in run_check(POLICY, snapshot(three, focus="demo")))
    assert kinds == ["shared-host", "shared-vault"]


def test_a_copied_directory_under_another_name(tmp_path: Path) -> None:
    root = tmp_path / "state"
    context(root, "dog", "internal-dogfood", 1)
    context(root, "other", "oss-demo", 3)
    copy = context(root, "dog", "internal-dogfood", 1)
    copy.rename(root / "contexts" / "copy")
    context(root, "dog", "internal-dogfood", 1)
    findings = run_check(POLICY, snapshot(root))
    assert sorted(f.message for f in findings) == [
        "config.json names 'dog' but lives in 'copy': a copied context directory",
        f"contexts dog, copy share context_id {cid(1)}: a context directory was copied by hand",
    ]
    assert run_check(POLICY, snapshot(root, focus="other")) == []
    assert len(run_check(POLICY, snapshot(root, focus="dog"))) == 2


def test_a_config_made_under_another_state_root(tmp_path: Path) -> None:
    root = tmp_path / "state"
    context(root, "demo", "oss-demo", 2)
    cfg = root / "contexts/demo/config.json"
    cfg.write_text(cfg.read_text().replace(str(root), str(tmp_path / "old")))
    findings = run_check(POLICY, snapshot(root))
    assert [f.path for f in findings] == [str(cfg)]
    assert findings[0].message.startswith(f"config.json was made under state root {tmp_path}/old")


@pytest.mark.parametrize("collection", ["targets", "apps"])
def test_a_collection_file_stamped_by_another_context(two: Path, collection: str) -> None:
    path = two / f"contexts/demo/{collection}.json"
    path.write_text(
        path.read_text().replace('"context": "demo", "context_id"', '"context": "dog", "context_id"', 1)
    )
    findings = run_check(POLICY, snapshot(two))
    assert [(f.path, f.message) for f in findings] == [(str(path), "record names context 'dog'")]


def _put(root: Path, rel: str, doc: dict | str) -> Path:
    from statehelp import put

    return put(root, rel, doc)


def test_deployments_of_another_context_or_naming_its_records(two: Path) -> None:
    rows = [
        {"row": 1, "release": "r1", "context": "demo", "context_id": cid(2)},
        {"row": 2, "release": "r2", "context": "dog", "context_id": cid(1)},
    ]
    path = _put(
        two,
        "contexts/demo/deployments.json",
        {
            "schema_version": 1,
            "context": "demo",
            "context_id": cid(2),
            "items": [
                {"app": "site", "target": "web", "context": "demo", "context_id": cid(2), "history": rows},
                {"app": "site", "target": "edge", "context": "demo", "context_id": cid(2), "history": []},
                {"app": "x", "target": "y", "context": "dog", "context_id": cid(1)},
            ],
        },
    )
    assert sorted(f.message for f in run_check(POLICY, snapshot(two))) == [
        "deploy history refers to target 'edge' of context 'dog'",
        "deploy history row 2 of site/web: record names context 'dog'",
        "record names context 'dog'",
    ]
    assert all(f.path == str(path) for f in run_check(POLICY, snapshot(two)))


def test_own_deployments_pass(two: Path) -> None:
    _put(
        two,
        "contexts/demo/deployments.json",
        {
            "schema_version": 1,
            "context": "demo",
            "context_id": cid(2),
            "items": [
                {
                    "app": "site",
                    "target": "web",
                    "context": "demo",
                    "context_id": cid(2),
                    "history": [{"row": 1, "context": "demo", "context_id": cid(2)}],
                }
            ],
        },
    )
    assert _messages(two) == []


@pytest.mark.parametrize(
    ("rec", "why"),
    [
        ({"app": "site", "target": "web", "context": "dog"}, "release: record names context 'dog'"),
        ({"app": "orders", "target": "web"}, "release refers to app 'orders' of context 'dog'"),
        ({"app": "site", "target": "edge"}, "release refers to target 'edge' of context 'dog'"),
        ({"app": "site", "target": "web"}, None),
    ],
)
def test_release_records(two: Path, rec: dict, why: str | None) -> None:
    _put(
        two,
        "contexts/demo/releases/site/r000001-web/release.json",
        {"release_id": "r000001-web", "context": "demo", "context_id": cid(2), **rec},
    )
    assert _messages(two) == ([why] if why else [])


@pytest.mark.parametrize(
    ("rec", "why"),
    [
        ({"app": "site", "target": "edge"}, "drill record: refers to target 'edge' of context 'dog'"),
        (
            {"app": "site", "target": "web", "context_id": cid(1)},
            "drill record: record carries context_id of 'dog'",
        ),
        ({"app": "site", "target": "web"}, None),
    ],
)
def test_drill_records(two: Path, rec: dict, why: str | None) -> None:
    row = {"drill_id": "drill-1", "context": "demo", "context_id": cid(2), **rec}
    _put(
        two, "contexts/demo/drills.jsonl", '{"drill_id": "drill-0", "app": "site"}\n' + json.dumps(row) + "\n"
    )
    findings = run_check(POLICY, snapshot(two))
    assert [(f.message, f.line) for f in findings] == ([(why, 2)] if why else [])


FP1, FP2 = "a" * 64, "b" * 64


def _vaults(root: Path, index: dict, focus: str | None = None) -> list:
    snap = snapshot(root, focus=focus)
    snap.state.overlay_vault_values = index
    return run_check(POLICY, snap)


def test_one_secret_value_in_two_vaults(two: Path) -> None:
    (two / "contexts/other").mkdir()
    context(two, "other", "oss-demo", 3)
    leak = _vaults(
        two,
        {
            FP1: [("dog", "DB", "internal-dogfood"), ("demo", "DB", "oss-demo")],
            FP2: [("demo", "A", "oss-demo"), ("demo", "B", "oss-demo")],
        },
    )
    assert [(f.severity, f.fingerprint, f.extra["contexts"]) for f in leak] == [
        ("critical", FP1, ["demo", "dog"])
    ]
    assert leak[0].message == ("an internal-dogfood secret value sits in an oss-demo vault: dog:DB, demo:DB")
    same = _vaults(two, {FP1: [("demo", "A", "oss-demo"), ("other", "A", "oss-demo")]})
    assert [(f.severity, f.message) for f in same] == [
        (None, "the same secret value sits in several vaults: demo:A, other:A")
    ]
    assert _vaults(two, {FP1: [("demo", "A", "oss-demo"), ("other", "A", "oss-demo")]}, focus="dog") == []


def _channels(root: Path, name: str, n: int, channels: list[dict]) -> None:
    _put(
        root,
        f"contexts/{name}/alerts/policy.json",
        {
            "schema_version": 1,
            "context": name,
            "context_id": cid(n),
            "repeat_interval": "4h",
            "channels": channels,
            "routes": [],
        },
    )


def _channel(name: str, ref: str, fp: str | None = None) -> dict:
    return {
        "name": name,
        "type": "webhook",
        "url_ref": ref,
        "timeout": "5s",
        "retries": 1,
        "backoff": "1s",
        **({"url_fingerprint": fp} if fp else {}),
    }


def test_alert_channels_posting_to_one_webhook(two: Path) -> None:
    context(two, "other", "oss-demo", 3)
    _channels(two, "dog", 1, [_channel("ops", "URL", FP1)])
    _channels(two, "demo", 2, [_channel("dev", "URL", FP2)])
    _channels(two, "other", 3, [_channel("x", "URL", FP2)])
    findings = _vaults(two, {})
    assert [(f.severity, f.fingerprint, f.extra["contexts"]) for f in findings] == [
        (None, FP2, ["demo", "other"])
    ]
    assert findings[0].message == (
        "alert channels of several contexts post to the same webhook URL: demo/dev, other/x"
    )
    assert _vaults(two, {}, focus="dog") == []


def test_an_alert_channel_found_by_its_vault_value_across_types(two: Path) -> None:
    _channels(two, "dog", 1, [_channel("ops", "URL", FP1)])
    _channels(two, "demo", 2, [_channel("dev", "HOOK")])  # no recorded fingerprint
    findings = _vaults(two, {FP1: [("demo", "HOOK", "oss-demo")]})
    kinds = {f.extra["kind"]: f for f in findings}
    assert kinds["shared-alert-channel"].severity == "critical"
    assert kinds["shared-alert-channel"].extra["contexts"] == ["demo", "dog"]


def test_every_event_is_judged_after_a_foreign_one(two: Path) -> None:
    events(two, "demo", [{**event("demo", 2), "context": "dog"}, event("demo", 2, target="edge")])
    findings = run_check(POLICY, snapshot(two))
    assert [(f.line, f.message) for f in findings] == [
        (1, "event: record names context 'dog'"),
        (2, "event refers to target 'edge' of context 'dog'"),
    ]


def test_a_shared_value_after_one_of_a_single_vault(two: Path) -> None:
    findings = _vaults(
        two,
        {
            FP1: [("demo", "A", "oss-demo")],
            FP2: [("dog", "DB", "internal-dogfood"), ("demo", "DB", "oss-demo")],
        },
    )
    assert [f.fingerprint for f in findings] == [FP2]


def test_other_documents_are_judged_by_their_stamps_not_as_deploy_history(two: Path) -> None:
    """addons.json and the alert files carry no deploy rows: only whose they are counts."""
    _put(
        two,
        "contexts/demo/addons.json",
        {
            "items": [
                {
                    "app": "orders",
                    "target": "edge",
                    "history": [{"row": 1, "context": "dog"}],
                    "context": "demo",
                    "context_id": cid(2),
                }
            ]
        },
    )
    assert _messages(two) == []
    _put(two, "contexts/demo/addons.json", {"items": [{"name": "x", "context": "dog"}]})
    assert _messages(two) == ["record names context 'dog'"]


def test_a_snapshot_resolves_a_local_folder_once(tmp_path: Path) -> None:
    """The check asks the snapshot where a folder resolves: a link moved after the first
    look does not change that snapshot's answer; a new snapshot sees the move."""
    root = tmp_path / "state"
    context(root, "dog", "internal-dogfood", 1)
    context(root, "demo", "oss-demo", 2)
    (tmp_path / "srv" / "a").mkdir(parents=True)
    (tmp_path / "srv" / "b").mkdir()
    link = tmp_path / "srv" / "link"
    link.symlink_to("a")
    records(root, "dog", 1, "targets", [_local("a", str(tmp_path / "srv/a"), "dog", 1)])
    records(root, "demo", 2, "targets", [_local("b", str(link), "demo", 2)])
    snap = snapshot(root)
    assert [f.extra["kind"] for f in run_check(POLICY, snap)] == ["shared-host"]
    link.unlink()
    link.symlink_to("b")
    assert [f.extra["kind"] for f in run_check(POLICY, snap)] == ["shared-host"]
    assert run_check(POLICY, snapshot(root)) == []
