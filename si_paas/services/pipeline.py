"""Declared commands: context -> recover -> gate -> action -> audit -> frozen result.

A service action is declared once with `@command(name, context=..., gate=...)`; the
declaration decides how the context is resolved, which gate it passes and that the run
leaves an audit line. Calling the declared command (from the CLI or in-process) runs the
whole pipeline, so no service resolves a context, gates or audits on its own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, get_args

from si_paas.errors import PolicyRefusal, SiPaasError, UsageError, as_input_error
from si_paas.services.invocation import Invocation, Result

if TYPE_CHECKING:
    from si_paas.state.contexts import Context

ContextMode = Literal["explicit", "required", "optional", "none"]
"""explicit: --context NAME is required (the runbook's rule for mutating commands);
required: --context or the selected context; optional: the context named by --context, if
any; none: the command uses no context (an explicit --context is still checked; the
command's own --context is not offered, unless it names the context the command creates)."""

GateLevel = Literal["none", "read", "change", "strict"]
"""read: warn when the gate would refuse changes; change: refuse a change that adds a
blocking finding; strict: the verdict must be ok (deploys, secret writes)."""

P = ParamSpec("P")

# CLI-only parameters and values never recorded in an audit line
_NOT_AUDITED = {"as_json", "context", "value"}

REGISTRY: dict[str, DeclaredCommand[Any]] = {}
"""Every declared command by name (filled as the service modules load)."""


@dataclass(frozen=True)
class Declaration:
    """What a command needs from the pipeline."""

    name: str
    context: ContextMode
    gate: GateLevel
    audit: bool = True
    context_arg: str | None = None  # parameter naming the context (`context use NAME`)
    creates: str | None = None  # parameter naming the context being made (`context init`)
    proposal: bool = False  # the action gates its proposed change itself (`Call.gate`)
    reports: str | None = None  # the name its documents and audit lines carry, if not `name`

    @property
    def uses_no_context(self) -> bool:
        """True when the command's own --context would mean nothing (mode none, no context
        made): the CLI does not offer it; `si paas --context NAME` is still checked."""
        return self.context == "none" and self.creates is None

    @property
    def reported(self) -> str:
        """The command name of its JSON document, error line, audit line and events."""
        return self.reports or self.name

    def __post_init__(self) -> None:
        if self.context not in get_args(ContextMode) or self.gate not in get_args(GateLevel):
            raise ValueError(f"{self.name}: bad declaration {self.context!r}/{self.gate!r}")
        if self.gate in ("change", "strict") and self.context in ("optional", "none") and not self.proposal:
            raise ValueError(f"{self.name}: a {self.gate} gate without a context judges a proposal")


class Call:
    """What a declared action sees: the run, its resolved context and its declared gate."""

    def __init__(self, inv: Invocation, declaration: Declaration) -> None:
        self.inv = inv
        self.declaration = declaration

    @property
    def ctx(self) -> Context:
        """The context the pipeline resolved (commands declared with a context only)."""
        if self.inv.resolved is None:
            raise RuntimeError(f"{self.declaration.name}: no context was resolved")
        return self.inv.resolved

    @property
    def ctx_or_none(self) -> Context | None:
        """The resolved context, or None for an `optional` command run without one."""
        return self.inv.resolved

    def gate(
        self,
        ctx: Context | None = None,
        *,
        overlay_items: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
        overlay_contexts: dict[str, Context] | None = None,
    ) -> None:
        """Judge the proposed change at the declared level (change or strict); refuse or
        return, holding the state-root lock until the run ends."""
        from si_paas.services.gate import guard_change

        level = self.declaration.gate
        if level not in ("change", "strict") or not self.declaration.proposal:
            raise RuntimeError(f"{self.declaration.name}: declared gate {level!r} does not judge a proposal")
        guard_change(
            self.inv,
            ctx or self.ctx,
            overlay_items=overlay_items,
            overlay_contexts=overlay_contexts,
            strict=level == "strict",
        )

    def read_gate(self) -> None:
        """The read-only gate, for a dry run of a change command (nothing is written)."""
        from si_paas.services.gate import check_read

        check_read(self.inv, self.ctx_or_none)


class DeclaredCommand(Generic[P]):
    """A service action with its declaration; calling it runs the pipeline."""

    def __init__(
        self, declaration: Declaration, action: Callable[..., Result], check: Callable[..., None] | None
    ) -> None:
        self.declaration = declaration
        self.action = action
        self.check = check
        self._signature = inspect.signature(action)
        self.__doc__ = action.__doc__
        self.__name__ = action.__name__

    def __call__(self, inv: Invocation, *args: P.args, **kwargs: P.kwargs) -> Result:
        """Run in-process: the audit arguments come from the call's own arguments."""
        return self.invoke(inv, args, kwargs, audit_args=None)

    def invoke(
        self,
        inv: Invocation,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        audit_args: dict[str, Any] | None,
    ) -> Result:
        """Run the pipeline; audit_args (what the CLI parsed) replaces the derived ones."""
        decl = self.declaration
        inv.command = decl.reported
        bound = self._signature.bind(None, *args, **kwargs).arguments
        inv.audit_args = {**(audit_derived(bound) if audit_args is None else audit_args), **inv.audit_args}
        call = Call(inv, decl)
        try:
            try:
                self._prepare(call, bound, args, kwargs)
                result = self.action(call, *args, **kwargs)
            except OSError as os_exc:  # a path the user gave that the system cannot use
                bad = as_input_error(os_exc)
                if bad is None:
                    raise
                raise bad from None
            if decl.audit:
                _audit(inv, "ok" if result.ok else "error", int(result.exit_code), None)
            return result
        except SiPaasError as exc:
            if decl.audit:
                status = "refused" if isinstance(exc, PolicyRefusal) else "error"
                _audit(inv, status, int(exc.exit_code), exc.message)
            raise
        finally:
            inv.close()  # the state-root lock is not held while the caller prints

    def _prepare(
        self, call: Call, bound: Mapping[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """Named context, argument checks, context resolution with recovery, the gate."""
        decl, inv = self.declaration, call.inv
        if inv.context_opt is not None:
            check_named_context(inv, bound.get(decl.creates) if decl.creates else None)
        if self.check is not None:
            self.check(call, *args, **kwargs)
        if decl.context_arg is not None and bound.get(decl.context_arg):
            inv.context_opt = bound[decl.context_arg]
        if decl.context in ("explicit", "required") or (decl.context == "optional" and inv.context_opt):
            resolve(inv, explicit=decl.context == "explicit")
        if decl.gate == "read":
            call.read_gate()
        elif decl.gate in ("change", "strict") and not decl.proposal:
            from si_paas.services.gate import guard_change

            guard_change(inv, call.ctx, strict=decl.gate == "strict")


def command(
    name: str,
    *,
    context: ContextMode,
    gate: GateLevel,
    audit: bool = True,
    context_arg: str | None = None,
    creates: str | None = None,
    proposal: bool = False,
    check: Callable[..., None] | None = None,
    reports: str | None = None,
) -> Callable[[Callable[..., Result]], DeclaredCommand[Any]]:
    """Declare a service action as the command `name` (see `Declaration`).

    The action is `action(call, *args)`; `check(call, *args)`, when given, validates the
    arguments before the context is resolved (so a bad flag is reported first).
    """
    decl = Declaration(name, context, gate, audit, context_arg, creates, proposal, reports)

    def wrap(action: Callable[..., Result]) -> DeclaredCommand[Any]:
        if name in REGISTRY:
            raise ValueError(f"command {name!r} declared twice")
        declared: DeclaredCommand[Any] = DeclaredCommand(decl, action, check)
        REGISTRY[name] = declared
        return declared

    return wrap


def resolve(inv: Invocation, *, explicit: bool) -> Context:
    """Resolve and load the context, settling a change a crash cut short first.

    explicit: the runbook's rule for mutating commands, --context NAME must be given.
    """
    return inv.context(mutating=explicit)


def check_named_context(inv: Invocation, creates: str | None) -> None:
    """--context NAME names a valid, existing context (or `creates`, the one being made)."""
    from si_paas.state.contexts import list_context_names
    from si_paas.state.layout import validate_name

    name = inv.context_opt or ""
    validate_name(name, "--context")
    if creates is not None:
        if name != creates:
            raise UsageError(f"--context {name!r} and --name {creates!r} name different contexts")
        return
    if not inv.layout.config_file(name).is_file():
        from si_paas.state.restoreswap import recover as recover_restore

        recover_restore(inv.layout, name)  # an in-place restore killed between its renames
    if not inv.layout.config_file(name).is_file():
        known = ", ".join(list_context_names(inv.layout)) or "none"
        raise UsageError(f"unknown context {name!r} (known: {known})")


def audit_args(params: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments an audit line records: none empty, none secret, labels' values
    with a secret-like key replaced."""
    from si_paas.secretwords import is_secret_key

    def scrub(value: Any) -> Any:
        if isinstance(value, str) and "=" in value and is_secret_key(value.partition("=")[0]):
            return value.partition("=")[0] + "=<redacted>"
        return value

    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in _NOT_AUDITED or is_secret_key(key) or value in (None, (), False):
            continue
        out[key] = [scrub(v) for v in value] if isinstance(value, tuple) else scrub(value)
    return out


def audit_derived(bound: Mapping[str, Any]) -> dict[str, Any]:
    """Audit arguments of an in-process call: its plain (JSON-like) arguments."""
    plain = (str, int, float, bool, tuple)
    return audit_args({k: v for k, v in list(bound.items())[1:] if isinstance(v, plain)})


def _audit(inv: Invocation, status: str, code: int, message: str | None) -> None:
    """Audit failures never mask the command's own outcome; they are kept for the caller."""
    from si_paas.services.events import audit

    try:
        audit(inv, status, code, message)
    except (SiPaasError, OSError) as exc:
        inv.audit_failure = str(exc)
