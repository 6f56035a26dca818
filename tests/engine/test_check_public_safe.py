"""context.public_safe: oss-demo holds only disposable targets, nothing named production."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.engine.evaluate import evaluate

from statehelp import app, context, records, run_check, shipped, snapshot, target

POLICY = shipped("oss-demo-public-safe")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    context(root, "demo", "oss-demo", 2)
    return root


def _messages(root: Path) -> list[str]:
    return [f.message for f in run_check(POLICY, snapshot(root))]


@pytest.mark.parametrize(
    "name", ["prod", "PROD", "prod-web", "web-prod", "Web-Production", "live", "customer-a", "eu-live"]
)
def test_a_target_named_as_production_fails(demo: Path, name: str) -> None:
    records(demo, "demo", 2, "targets", [target(name, "web.test", "demo", 2)])
    assert _messages(demo) == [f"target demo/{name} is marked production (name {name!r})"]
    check = evaluate([POLICY], snapshot(demo), "state").checks[0]
    assert check.status == "fail" and check.blocking


@pytest.mark.parametrize(
    "name", ["product", "prodigy", "web-products", "reprod", "alive", "web", "liveliness", "customers"]
)
def test_a_name_merely_containing_a_marker_passes(demo: Path, name: str) -> None:
    records(demo, "demo", 2, "targets", [target(name, "web.test", "demo", 2)])
    assert _messages(demo) == []


@pytest.mark.parametrize(
    "labels", [{"env": "prod"}, {"tier": "Production"}, {"customer": "x"}, {"LIVE": "yes"}]
)
def test_a_target_labelled_production_fails(demo: Path, labels: dict[str, str]) -> None:
    records(demo, "demo", 2, "targets", [target("web", "web.test", "demo", 2, labels=labels)])
    msgs = _messages(demo)
    assert len(msgs) == 1 and msgs[0].startswith("target demo/web is marked production (label ")


def test_labels_that_only_contain_a_marker_pass(demo: Path) -> None:
    records(
        demo,
        "demo",
        2,
        "targets",
        [target("web", "web.test", "demo", 2, labels={"env": "preprod", "team": "products"})],
    )
    assert _messages(demo) == []


@pytest.mark.parametrize(("name", "labels"), [("prod-site", {}), ("site", {"env": "live"})])
def test_an_app_marked_production_fails(demo: Path, name: str, labels: dict[str, str]) -> None:
    records(demo, "demo", 2, "targets", [target("web", "web.test", "demo", 2)])
    records(demo, "demo", 2, "apps", [app(name, "demo", 2, ["web"], labels=labels)])
    msgs = _messages(demo)
    assert len(msgs) == 1 and msgs[0].startswith(f"app demo/{name} is marked production")


def test_markers_come_from_the_policy(demo: Path) -> None:
    records(
        demo,
        "demo",
        2,
        "targets",
        [target("prod-web", "web.test", "demo", 2), target("staging", "s.test", "demo", 2)],
    )
    mine = shipped("oss-demo-public-safe", params={"production_markers": ["Staging"]})
    assert [f.message for f in run_check(mine, snapshot(demo))] == [
        "target demo/staging is marked production (name 'staging')"
    ]


def test_a_target_not_disposable_fails(demo: Path) -> None:
    records(demo, "demo", 2, "targets", [target("web", "web.test", "demo", 2, disposable=False)])
    assert _messages(demo) == ["target demo/web is not marked --disposable"]


def test_a_host_of_internal_dogfood_fails(demo: Path) -> None:
    context(demo, "dog", "internal-dogfood", 1)
    records(demo, "dog", 1, "targets", [target("edge", "edge.test", "dog", 1)])
    records(demo, "demo", 2, "targets", [target("web", "Edge.test.", "demo", 2, port=8080)])
    assert _messages(demo) == [
        "target demo/web uses host Edge.test., also a target of internal-dogfood context 'dog'"
    ]


def test_internal_dogfood_may_name_production(demo: Path) -> None:
    context(demo, "dog", "internal-dogfood", 1)
    records(demo, "dog", 1, "targets", [target("prod", "edge.test", "dog", 1, disposable=False)])
    assert _messages(demo) == []


def test_an_oss_demo_context_after_an_internal_one_is_judged(demo: Path) -> None:
    context(demo, "aaa-dog", "internal-dogfood", 1)
    records(demo, "demo", 2, "targets", [target("web", "web.test", "demo", 2, disposable=False)])
    assert _messages(demo) == ["target demo/web is not marked --disposable"]
