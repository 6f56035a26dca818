"""`si paas context ...`: init, list, show, use, remove."""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from pathlib import Path

from si_paas.errors import SiPaasError, UsageError
from si_paas.services.invocation import Invocation, Result
from si_paas.services.pipeline import Call, command
from si_paas.state import contexts as store
from si_paas.state import fsio
from si_paas.state.collections import read_items
from si_paas.state.layout import CONTEXT_TYPES, validate_name


@command("context init", context="none", gate="change", proposal=True, creates="name")
def init(call: Call, name: str, ctype: str, vault_file: str | None) -> Result:
    """Create a context (idempotent: a second init keeps its id and created_at)."""
    inv = call.inv
    validate_name(name, "context")
    inv.layout.check_usable(write=True)
    vault = Path(vault_file).expanduser().absolute() if vault_file else None
    if vault is not None:
        store.check_vault_path(vault)
    if ctype not in CONTEXT_TYPES:
        raise UsageError(f"--type {ctype!r} is unknown: use one of {', '.join(CONTEXT_TYPES)}")
    # Concurrent inits of one name: the first creates it, the rest confirm it. The lock lives in
    # the state root, so the first init creates an empty root to hold it, and removes what it
    # created again when the gate refuses.
    root = inv.layout.root
    made = [d for d in (root, *root.parents) if not d.exists()]
    if made:
        fsio.ensure_dir(root)
    inv.lock_state()
    names = store.list_context_names(inv.layout)
    if name not in names:
        # Judge the context as it would be, before anything is written.
        proposed = store.Context(
            name=name,
            type=ctype,
            context_id="ctx_" + "0" * 32,
            state_root=str(inv.layout.root),
            vault_file=str(vault or inv.layout.default_vault_file(name)),
            created_at="",
            updated_at="",
        )
        try:
            call.gate(proposed, overlay_contexts={name: proposed})
        except SiPaasError:
            if made:
                _remove_empty(inv, made)
            raise
    ctx, created = store.init_context(inv.layout, name, ctype, vault)
    inv.resolved = ctx
    if store.get_current(inv.layout) is None:
        store.set_current(inv.layout, name)
    return Result(
        {
            "created": created,
            "context_config": ctx.to_dict(),
            "current_context": store.get_current(inv.layout),
        },
        context=name,
    )


def _remove_empty(inv: Invocation, made: list[Path]) -> None:
    """Drop the lock and the folders this init created, deepest first, where still empty."""
    inv.close()
    with contextlib.suppress(OSError):
        inv.layout.state_lock_file.unlink()
    for folder in made:
        with contextlib.suppress(OSError):
            folder.rmdir()


@command("context list", context="none", gate="none")
def list_all(call: Call) -> Result:
    """Every context, with the selected one marked."""
    inv = call.inv
    inv.layout.check_usable(write=False)
    current = store.get_current(inv.layout)
    items = [{**c.to_dict(), "current": c.name == current} for c in store.list_contexts(inv.layout)]
    return Result(
        {"items": items, "count": len(items), "current_context": current}, context=inv.context_opt or current
    )


def _show_names(call: Call, name: str | None) -> None:
    """NAME and --context, when both are given, name the same context."""
    inv = call.inv
    if name:
        inv.context_opt = inv.context_opt or name
        if inv.context_opt != name:
            raise UsageError(f"--context {inv.context_opt!r} and NAME {name!r} disagree")


@command("context show", context="required", gate="read", check=_show_names)
def show(call: Call, name: str | None) -> Result:
    """One context's config and record counts."""
    return summary(call.inv, call.ctx)


def summary(inv: Invocation, ctx: store.Context) -> Result:
    """What `context show` prints for a loaded context (no gate, no audit line)."""
    counts = {c: len(read_items(inv.layout, ctx, c)) for c in ("targets", "apps")}
    return Result(
        {
            "context_config": ctx.to_dict(),
            "counts": counts,
            "current": store.get_current(inv.layout) == ctx.name,
        },
        context=ctx.name,
    )


@command("context use", context="required", gate="change", context_arg="name")
def use(call: Call, name: str) -> Result:
    """Select the context read-only commands use by default."""
    ctx = call.ctx
    store.set_current(call.inv.layout, ctx.name)
    return Result({"current_context": ctx.name}, context=ctx.name)


@command("context remove", context="explicit", gate="change", context_arg="name")
def remove(call: Call, name: str, force: bool) -> Result:
    """Delete a context; one that still holds targets, apps or secrets needs --force."""
    inv, ctx = call.inv, call.ctx
    inv.lock_state()
    held = {c: len(read_items(inv.layout, ctx, c)) for c in ("targets", "apps")}
    vault = Path(ctx.vault_file)
    held["vault"] = int(vault.is_file() and vault.stat().st_size > 0)
    if any(held.values()) and not force:
        what = ", ".join(f"{k}={v}" for k, v in held.items() if v)
        raise UsageError(f"context {name!r} still holds data ({what}); pass --force to remove it")
    store.remove_context(inv.layout, name)
    inv.resolved = None  # nothing left to audit into
    return Result({"removed": name, "held": held}, context=name)


def _relocate_check(call: Call, name: str | None) -> None:
    call.inv.layout.check_usable(write=True)
    if name:
        validate_name(name, "context")


@command(
    "context relocate",
    context="optional",
    gate="change",
    proposal=True,
    context_arg="name",
    check=_relocate_check,
)
def relocate(call: Call, name: str | None) -> Result:
    """Adopt contexts restored or moved from another state root (NAME, or every one that
    needs it): `state_root` becomes this root and vault paths under the old root follow."""
    inv = call.inv
    inv.lock_state()
    names = [name] if name else store.list_context_names(inv.layout)
    moved = []
    for each in names:
        ctx = store.load_context(inv.layout, each)
        if os.path.realpath(ctx.state_root) == os.path.realpath(inv.layout.root):
            continue
        after = replace(ctx, state_root=str(inv.layout.root))
        call.gate(ctx, overlay_contexts={each: after})
        change = store.relocate_context(inv.layout, each)
        if change is None:
            continue
        old, new = change
        inv.resolved = new
        if not Path(new.vault_file).parent.is_dir():
            inv.warnings.append(
                f"context {each!r}: vault folder {Path(new.vault_file).parent} "
                "does not exist; restore the vault there or re-create it"
            )
        moved.append(
            {"name": each, "from": old.state_root, "to": new.state_root, "vault_file": new.vault_file}
        )
    inv.audit_args["relocated"] = [m["name"] for m in moved]
    return Result({"relocated": moved, "count": len(moved)}, context=name)
