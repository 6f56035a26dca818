"""Contexts on disk: config.json per context and the selected `current_context`."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from si_paas import schemacheck
from si_paas.errors import InputError, UsageError
from si_paas.state import fsio
from si_paas.state.clock import new_context_id, utc_now
from si_paas.state.layout import CONTEXT_TYPES, StateLayout, validate_name
from si_paas.textfile import read_text, require_regular_or_missing


@dataclass(frozen=True)
class Context:
    """A context's config.json."""

    name: str
    type: str
    context_id: str
    state_root: str
    vault_file: str
    created_at: str
    updated_at: str
    schema_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_context(layout: StateLayout, name: str) -> Context:
    """Load and validate one context; unknown context is a UsageError."""
    validate_name(name, "context")
    path = layout.config_file(name)
    try:
        raw = fsio.read_json(path)
    except FileNotFoundError:
        known = ", ".join(list_context_names(layout)) or "none"
        raise UsageError(f"unknown context {name!r} (known: {known})") from None
    schemacheck.check(raw, "context-config", path)
    return from_config(layout, name, raw)


def from_config(layout: StateLayout, directory: str, raw: dict[str, Any]) -> Context:
    """The Context of a validated config.json found in contexts/<directory>/.

    A relative `vault_file` is relative to that directory: the default vault is stored as
    `vault/secrets.env`, so a state root restored or moved elsewhere still finds its vaults.
    """
    ctx = Context(**raw)
    if not os.path.isabs(ctx.vault_file):
        ctx = replace(ctx, vault_file=str(layout.context_dir(directory) / ctx.vault_file))
    return ctx


def to_config(layout: StateLayout, ctx: Context) -> dict[str, Any]:
    """What config.json stores for `ctx`: a vault inside the context directory is relative."""
    doc = ctx.to_dict()
    base = layout.context_dir(ctx.name)
    vault = Path(ctx.vault_file)
    if vault.is_absolute() and base in vault.parents:
        doc["vault_file"] = str(vault.relative_to(base))
    return doc


def list_context_names(layout: StateLayout) -> list[str]:
    """Names of directories under contexts/ that hold a config.json, sorted."""
    if not layout.contexts_dir.is_dir():
        return []
    try:
        entries = sorted(os.listdir(layout.contexts_dir))
    except OSError as exc:
        raise InputError(f"{layout.contexts_dir}: cannot list: {exc.strerror}") from None
    return [
        n for n in entries if not n.startswith(".") and (layout.contexts_dir / n / "config.json").is_file()
    ]


def list_contexts(layout: StateLayout) -> list[Context]:
    """Every context, validated."""
    return [load_context(layout, n) for n in list_context_names(layout)]


def init_context(layout: StateLayout, name: str, ctype: str, vault_file: Path | None) -> tuple[Context, bool]:
    """Create a context or confirm an existing one; returns (context, created)."""
    validate_name(name, "context")
    if ctype not in CONTEXT_TYPES:
        raise UsageError(f"--type {ctype!r} is unknown: use one of {', '.join(CONTEXT_TYPES)}")
    if vault_file is not None:
        check_vault_path(vault_file)
    with fsio.locked(layout.lock_file(name)):
        now = utc_now()
        path = layout.config_file(name)
        vault = str(vault_file) if vault_file else str(layout.default_vault_file(name))
        if path.exists():
            existing = load_context(layout, name)
            if existing.type != ctype:
                raise UsageError(
                    f"context {name!r} exists with --type {existing.type}; "
                    f"a context's type cannot change (remove it first)"
                )
            if vault_file and str(vault_file) != existing.vault_file:
                raise UsageError(
                    f"context {name!r} already uses vault file {existing.vault_file}; "
                    "--vault-file cannot change after init"
                )
            return existing, False
        ctx = Context(
            name=name,
            type=ctype,
            context_id=new_context_id(),
            state_root=str(layout.root),
            vault_file=vault,
            created_at=now,
            updated_at=now,
        )
        for sub in ("events", "vault", "releases", "cache", "alerts"):
            fsio.ensure_dir(layout.context_dir(name) / sub)
        fsio.atomic_write_json(path, to_config(layout, ctx))
        return ctx, True


def relocate_context(layout: StateLayout, name: str) -> tuple[Context, Context] | None:
    """Adopt a context restored or moved from another state root; returns (old, new) or None
    when it already belongs here.

    `state_root` becomes this root; an absolute vault path under the old root is rebased
    (made relative when it sits in the context's own directory); a vault elsewhere is kept.
    """
    with fsio.locked(layout.lock_file(name)):
        old = load_context(layout, name)
        old_root = Path(old.state_root)
        if os.path.realpath(old_root) == os.path.realpath(layout.root):
            return None
        vault = Path(old.vault_file)
        if vault.is_absolute() and (old_root == vault or old_root in vault.parents):
            vault = layout.root / vault.relative_to(old_root)
        new = replace(old, state_root=str(layout.root), vault_file=str(vault), updated_at=utc_now())
        fsio.atomic_write_json(layout.config_file(name), to_config(layout, new))
        return old, new


def check_vault_path(path: Path) -> None:
    """A --vault-file is a regular file or nothing yet, in an existing directory."""
    try:
        require_regular_or_missing(path, "--vault-file")
    except InputError as exc:
        raise UsageError(exc.message) from None
    if path.parent.exists() and not path.parent.is_dir():
        raise UsageError(f"--vault-file {path}: {path.parent} is not a directory")


def get_current(layout: StateLayout) -> str | None:
    """The selected context name, or None."""
    try:
        value = read_text(layout.current_context_file, "current_context file").strip()
    except FileNotFoundError:
        return None
    if not value:
        return None
    try:
        return validate_name(value, "context")
    except UsageError:
        raise InputError(f"{layout.current_context_file}: holds an invalid context name") from None


def set_current(layout: StateLayout, name: str | None) -> None:
    """Select `name` (None clears the selection)."""
    if name is None:
        layout.current_context_file.unlink(missing_ok=True)
        return
    fsio.atomic_write_bytes(layout.current_context_file, (name + "\n").encode())


def remove_context(layout: StateLayout, name: str) -> None:
    """Delete a context's directory and clear the selection if it pointed there."""
    load_context(layout, name)
    with fsio.locked(layout.lock_file(name)):
        # Move aside first so a crash never leaves a half-deleted context that still looks valid.
        doomed = layout.contexts_dir / f".removing-{name}-{os.getpid()}"
        os.replace(layout.context_dir(name), doomed)
    import shutil

    shutil.rmtree(doomed)
    if get_current(layout) == name:
        set_current(layout, None)
