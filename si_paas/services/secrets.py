"""`si paas secret ...`: set, list, get and unset values in a context's encrypted vault.

Every command needs an explicit --context. Values never leave this module except as a redacted
form (a short prefix and a keyed fingerprint), or in plaintext for `get --reveal
--allow-plaintext`. Audit lines carry key names and fingerprints only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from si_paas.errors import InputError, PolicyRefusal, UsageError
from si_paas.redaction import redacted
from si_paas.services.invocation import MUTATING_RULE, Invocation, Result
from si_paas.services.judge import build_snapshot, judge
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.gitpaths import holding_worktree
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state import vault
from si_paas.state.contexts import Context, list_context_names
from si_paas.state.fingerprintkey import VAULT_VALUE, subkey
from si_paas.state.vaultkeys import (
    ContextKey,
    ensure_context_key,
    hmac_fingerprint,
    key_dir,
    load_context_key,
    missing_key_message,
)

SHORT_FP = 12


def short_fp(fingerprint: str) -> str:
    """`fp:` and the first 12 hex digits of a fingerprint."""
    return f"fp:{fingerprint[:SHORT_FP]}"


def _key(inv: Invocation, key: str) -> str:
    """Validate KEY; an invalid one that may be a pasted value reaches the audit line redacted."""
    try:
        return vault.validate_key_name(key)
    except UsageError:
        inv.audit_args["key"] = vault.shown_key_name(key)
        raise


def _explicit(inv: Invocation) -> None:
    """Every secret command, reading ones included, names its context explicitly."""
    if not inv.context_opt:
        raise UsageError(
            f"`{inv.command}` needs --context NAME: every secret command names its "
            f"context explicitly ({MUTATING_RULE})"
        )


def _check_key(call: Call, key: str, *_: object) -> None:
    _key(call.inv, key)
    _explicit(call.inv)


def _check_list(call: Call) -> None:
    _explicit(call.inv)


def _check_get(call: Call, key: str, reveal: bool, allow_plaintext: bool) -> None:
    if reveal and not allow_plaintext:
        raise UsageError(
            "--reveal prints the plaintext value: add --allow-plaintext to confirm "
            "(without --reveal you get the redacted form)"
        )
    _check_key(call, key)


def _refuse_key_dir_in_repo() -> None:
    """Keys never live in a git work tree: one `git add -A` would publish them with the vault."""
    where = key_dir()
    holder = holding_worktree(where)
    if holder is not None:
        raise PolicyRefusal(
            f"refused: vault-outside-repo: key directory {where} is inside git work "
            f"tree {holder.describe()}; set $SI_PAAS_KEY_DIR to a folder outside "
            "every repository",
            failed=["vault-outside-repo"],
        )


def _existing_key(inv: Invocation, ctx: Context, vf: vault.VaultFile) -> ContextKey | None:
    """The context key; a vault holding values without its key is a one-line InputError."""
    ckey = load_context_key(ctx.name, ctx.context_id, siblings=list_context_names(inv.layout))
    if ckey is None and vf.entries:
        raise InputError(missing_key_message(vf.path, ctx.name, ctx.context_id))
    return ckey


def _refuse_shared_value(inv: Invocation, ctx: Context, key: str, shared_fp: str) -> None:
    """Judge the vaults as they would be with this value: the same value in another context's
    vault is a `no-cross-context-data` failure, refused before anything is written."""
    spec = SnapshotSpec(inv.layout, focus=ctx.name)
    proposed: vault.Index = {}
    contexts = build_snapshot(spec).state.contexts
    for fp, owners in vault.vault_value_index(inv.layout, contexts).items():
        kept = [o for o in owners if (o[0], o[1]) != (ctx.name, key)]
        if kept:
            proposed[fp] = kept
    proposed.setdefault(shared_fp, []).append((ctx.name, key, ctx.type))
    if all(owner == ctx.name for owner, _, _ in proposed[shared_fp]):
        return  # no other context holds this value: nothing for the policy to find
    snap = build_snapshot(replace(spec, overlay_vault_values=proposed))
    verdict = judge(snap, "state").verdict
    blocking = [c for c in verdict.failed() if any(f.fingerprint == shared_fp for f in c.findings)]
    if blocking:
        detail = "; ".join(
            f"{c.id}: " + next(f.message for f in c.findings if f.fingerprint == shared_fp) for c in blocking
        )
        raise PolicyRefusal(f"refused by the doctor gate: {detail}", failed=[c.id for c in blocking])


@command("secret set", context="explicit", gate="strict", check=_check_key)
def set_secret(call: Call, key: str, read_value: Callable[[], str]) -> Result:
    """Encrypt a value into the context's vault; the gate must be clean before and after."""
    inv, ctx = call.inv, call.ctx
    _refuse_key_dir_in_repo()
    value = read_value()
    if not value:
        raise UsageError(f"secret {key}: the value is empty (to remove a secret use `secret unset {key}`)")
    shared = subkey(VAULT_VALUE)
    _refuse_shared_value(inv, ctx, key, hmac_fingerprint(shared, value))
    # A new key is made only for an empty vault: values without their key stay an error.
    ckey = _existing_key(inv, ctx, vault.load_vault(ctx)) or ensure_context_key(
        ctx.name, ctx.context_id, siblings=list_context_names(inv.layout)
    )
    entry, created = vault.set_value(inv.layout, ctx, key, value, ckey, shared)
    fp = short_fp(entry.fingerprint or "")
    inv.audit_args["fingerprint"] = fp
    return Result(
        {
            "key": key,
            "fingerprint": fp,
            "created": created,
            "updated_at": entry.updated_at,
            "vault_file": ctx.vault_file,
            "key_source": ckey.source,
        },
        context=ctx.name,
    )


def _open(call: Call) -> tuple[Context, vault.VaultFile, dict[str, str], ContextKey | None]:
    inv, ctx = call.inv, call.ctx
    ckey = _existing_key(inv, ctx, vault.load_vault(ctx))
    vf, values = vault.verified_entries(ctx, ckey)
    return ctx, vf, values, ckey


@command("secret list", context="explicit", gate="read", check=_check_list)
def list_secrets(call: Call) -> Result:
    """Key names, short fingerprints and update times; never a value."""
    ctx, vf, values, ckey = _open(call)
    items = []
    for entry in vf.entries.values():
        fp = hmac_fingerprint(ckey.fingerprint_key, values[entry.key]) if ckey else ""
        items.append({"key": entry.key, "fingerprint": short_fp(fp), "updated_at": entry.updated_at})
    return Result({"items": items, "count": len(items), "vault_file": str(vf.path)}, context=ctx.name)


@command("secret get", context="explicit", gate="read", check=_check_get)
def get_secret(call: Call, key: str, reveal: bool, allow_plaintext: bool) -> Result:
    """The redacted form of one value; the plaintext only with --reveal --allow-plaintext."""
    inv = call.inv
    ctx, vf, values, ckey = _open(call)
    if key not in values or ckey is None:
        raise UsageError(f"no secret {key} in context {ctx.name!r}")
    value = values[key]
    fp = short_fp(hmac_fingerprint(ckey.fingerprint_key, value))
    inv.audit_args["fingerprint"] = fp
    payload: dict[str, object] = {
        "key": key,
        "fingerprint": fp,
        "redacted": redacted(value, fp),
        "updated_at": vf.entries[key].updated_at,
    }
    if reveal:
        payload["value"] = value
        inv.warnings.append(
            f"printed the plaintext value of {key}; clear your terminal scrollback if it was shown on screen"
        )
    return Result(payload, context=ctx.name)


# Removing a value never makes the state worse, so a failing state only warns here.
@command("secret unset", context="explicit", gate="change", check=_check_key)
def unset_secret(call: Call, key: str) -> Result:
    """Remove one value (no key needed; the others are kept as they are)."""
    inv, ctx = call.inv, call.ctx
    entry = vault.unset_value(inv.layout, ctx, key)
    fp = short_fp(entry.fingerprint) if entry.fingerprint else None
    if fp:
        inv.audit_args["fingerprint"] = fp
    return Result(
        {"key": key, "removed": True, "fingerprint": fp, "vault_file": str(Path(ctx.vault_file))},
        context=ctx.name,
    )
