"""deploy.rollback_ready and deploy.target_known: the deploy plan held in the snapshot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from statehelp import app, cid, context, records, run_check, shipped, snapshot, target

READY = shipped("rollback-ready")
KNOWN = shipped("deploy-target-known")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    context(root, "dog", "internal-dogfood", 1)
    context(root, "demo", "oss-demo", 2)
    records(root, "dog", 1, "targets", [target("web-1", "web.internal.test", "dog", 1, disposable=False)])
    records(root, "dog", 1, "apps", [app("site", "dog", 1, ["web-1"])])
    records(root, "demo", 2, "targets", [target("demo-1", "demo.test", "demo", 2)])
    records(root, "demo", 2, "apps", [app("site", "demo", 2, ["demo-1"])])
    return root


def _messages(policy: Any, state: Path, **plan: Any) -> list[str]:
    snap = replace(snapshot(state), deploy=plan or None)
    return [f.message for f in run_check(policy, snap)]


def _ready(state: Path, **plan: Any) -> list[str]:
    base = {"action": "deploy", "context": "dog", "app": "site", "target": "web-1"}
    return _messages(READY, state, **{**base, **plan})


def test_without_a_plan_nothing_is_judged(state: Path) -> None:
    assert _messages(READY, state) == [] and _messages(KNOWN, state) == []


def test_a_verified_rollback_or_another_action_or_context_type_passes(state: Path) -> None:
    assert _ready(state, rollback_verified=True, current="r1") == []
    assert _ready(state, action="rollback", current="r1") == []
    assert _ready(state, context="demo", current="r1") == []  # oss-demo: not asked of it
    assert _ready(state, context="nope", current="r1") == []
    assert _ready(state, first_deploy=True) == []  # nothing on the target yet


def test_each_reason_a_deploy_is_not_rollback_ready(state: Path) -> None:
    assert _ready(state, first_deploy=True, current="r1") == [
        "site on web-1: not rollback-ready: --first-deploy, but r1 is already current on the "
        "target and does not verify"
    ]
    assert _ready(state, current="r1", unverified=["r0: digest differs", "r1: missing", "a", "b"]) == [
        "site on web-1: not rollback-ready: no release on the target verifies against its "
        "record (current: r1) [r0: digest differs; r1: missing; a]"
    ]
    assert _ready(state) == [
        "site on web-1: not rollback-ready: nothing to roll back to: no release on the target "
        "yet (say --first-deploy)"
    ]


def _known(state: Path, **plan: Any) -> list[str]:
    base = {"context": "dog", "context_id": cid(1), "app": "site", "target": "web-1"}
    return _messages(KNOWN, state, **{**base, **plan})


def test_the_context_own_bound_target_is_known(state: Path) -> None:
    assert _known(state) == []
    assert _known(state, context_id=None) == []  # a plan without an id is judged by name
    assert _known(state, context="demo", context_id=cid(2), target="demo-1") == []


def test_another_context_or_an_unknown_target_is_refused(state: Path) -> None:
    wrong = ["context 'dog' of the plan is not this state root's context of that name"]
    assert _known(state, context_id=cid(9)) == wrong
    assert _known(state, context="nope", context_id=None) == [
        "context 'nope' of the plan is not this state root's context of that name"
    ]
    assert _known(state, target="demo-1") == ["target 'demo-1' is not a target of context 'dog'"]


def test_a_stamp_of_another_context_and_an_unbound_app_are_each_a_finding(state: Path) -> None:
    records(state, "dog", 1, "targets", [target("web-1", "web.internal.test", "demo", 2, disposable=False)])
    records(state, "dog", 1, "apps", [app("site", "dog", 1, ["web-2"])])
    assert _known(state) == [
        "target 'web-1' carries another context's name or id",
        "app 'site' of context 'dog' is not bound to target 'web-1'",
    ]
    records(state, "dog", 1, "targets", [{**target("web-1", "w.test", "dog", 1), "context_id": cid(2)}])
    assert _known(state, app="other") == [
        "target 'web-1' carries another context's name or id",
        "app 'other' of context 'dog' is not bound to target 'web-1'",
    ]


def test_an_oss_demo_deploy_needs_a_disposable_target(state: Path) -> None:
    records(state, "demo", 2, "targets", [target("demo-1", "demo.test", "demo", 2, disposable=False)])
    assert _known(state, context="demo", context_id=cid(2), target="demo-1") == [
        "oss-demo deploys only to --disposable targets; demo/demo-1 is not disposable"
    ]
