"""One command run: the state root, the explicit --context, the result and its audit line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from si_paas.errors import ExitCode, UsageError
from si_paas.state.layout import StateLayout, state_root_from_env

if TYPE_CHECKING:  # contexts load when a command resolves one; a staged scan never does
    from si_paas.state.contexts import Context

MUTATING_RULE = (
    "runbook rule: always pass --context explicitly for mutating commands "
    "(deploy, rollback, secret, target, context import)"
)


@dataclass
class Result:
    """What a service returns: a JSON payload plus what the CLI needs to render and exit."""

    payload: dict[str, Any]
    context: str | None = None
    ok: bool = True
    exit_code: ExitCode = ExitCode.OK
    warnings: list[str] = field(default_factory=list)


@dataclass
class Invocation:
    """The inputs every service shares: where the state is and which context was asked for."""

    command: str
    context_opt: str | None = None
    layout: StateLayout = field(default_factory=lambda: StateLayout(state_root_from_env()))
    warnings: list[str] = field(default_factory=list)
    resolved: Context | None = None
    audit_args: dict[str, Any] = field(default_factory=dict)

    def context_name(self) -> str | None:
        """The context this run is about: explicit --context, else the selected one."""
        if self.context_opt:
            return self.context_opt
        from si_paas.state.contexts import get_current

        self.layout.check_usable(write=False)
        return get_current(self.layout)

    def context(self, *, mutating: bool) -> Context:
        """Resolve and load the context; mutating commands insist on an explicit --context."""
        from si_paas.state.contexts import load_context
        from si_paas.state.transaction import recover

        if mutating and not self.context_opt:
            raise UsageError(f"`{self.command}` changes state and needs --context NAME ({MUTATING_RULE})")
        self.layout.check_usable(write=mutating)
        name = self.context_name()
        if not name:
            raise UsageError(
                f"`{self.command}` needs a context: pass --context NAME or select one with "
                "`si paas context use NAME`"
            )
        from si_paas.state.restoreswap import recover as recover_restore

        recover_restore(self.layout, name)  # a restore cut short is finished or undone first
        self.resolved = load_context(self.layout, name)
        recover(self.layout, self.resolved)  # a change cut short by a crash is undone first
        return self.resolved
