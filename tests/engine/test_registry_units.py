"""The check-kind registry in process: registering, finding a kind's module, and checking
a policy's parameters against its kind."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from si_paas.engine import registry
from si_paas.engine.registry import CHECKS, _check_modules, check_kind, get_check, normalize_params
from si_paas.errors import InputError


def test_a_kind_registers_its_function_schema_and_doc() -> None:
    def documented(snap, params, policy):  # type: ignore[no-untyped-def]
        """Finds nothing."""
        return []

    def bare(snap, params, policy):  # type: ignore[no-untyped-def]
        return []

    schema = {"limit": {"type": "integer"}}
    try:
        assert check_kind("test.documented", schema)(documented) is documented
        assert check_kind("test.bare")(bare) is bare
        one, two = CHECKS["test.documented"], CHECKS["test.bare"]
        assert (one.fn, one.params_schema, one.doc) == (documented, schema, "Finds nothing.")
        assert (two.fn, two.params_schema, two.doc) == (bare, {}, "")
    finally:
        CHECKS.pop("test.documented", None)
        CHECKS.pop("test.bare", None)


def test_check_modules_are_the_public_python_files(tmp_path: Path) -> None:
    for name in ("b.py", "a.py", "_private.py", "notes.txt", "c.pyc"):
        (tmp_path / name).write_text("")
    assert _check_modules(tmp_path) == ["a", "b"]


def _forget(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """As if `module` of engine/checks had never been imported (restored after the test)."""
    import importlib

    full = f"si_paas.engine.checks.{module}"
    importlib.import_module(full)
    for name in [n for n, kind in CHECKS.items() if kind.fn.__module__ == full]:
        monkeypatch.delitem(CHECKS, name)
    monkeypatch.delitem(sys.modules, full)


def test_a_kind_is_found_by_importing_only_its_module(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget(monkeypatch, "integrity")
    _forget(monkeypatch, "deploy")
    kind = get_check("state.records_intact")
    assert kind is CHECKS["state.records_intact"] and kind.name == "state.records_intact"
    assert "si_paas.engine.checks.integrity" in sys.modules
    assert "si_paas.engine.checks.deploy" not in sys.modules  # not loaded for another's kind
    assert get_check("state.records_intact") is kind  # registered: nothing imported again


def test_a_kind_declared_otherwise_is_found_by_loading_every_module(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget(monkeypatch, "deploy")
    monkeypatch.setattr(registry, "_builtin_kinds", lambda: {})  # no declaration line found
    assert get_check("deploy.target_known").name == "deploy.target_known"
    with pytest.raises(KeyError):
        get_check("no.such_kind")


def test_parameters_are_checked_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "p.yaml"
    normalized = normalize_params("repo.no_private_state", {"content": False}, source, lambda where: 3)
    assert normalized["content"] is False and normalized["max_content_size"] == 16 * 1024 * 1024
    with pytest.raises(InputError) as unknown:
        normalize_params("repo.no_private_state", {"bogus": 1}, source, lambda where: 7)
    assert unknown.value.message.startswith(f"{source}:7: field with.bogus: ")
    with pytest.raises(InputError) as unplaced:
        normalize_params("repo.no_private_state", {"content": "yes"}, source, lambda where: None)
    assert unplaced.value.message.startswith(f"{source}:1: field with.content: ")
    with pytest.raises(InputError, match=r"p.yaml:1: field check: unknown check kind 'no.kind'"):
        normalize_params("no.kind", {}, source, lambda where: None)
