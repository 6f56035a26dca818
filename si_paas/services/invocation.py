"""One command run: the state root, the explicit --context, the result and its audit line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, NoReturn

from si_paas.errors import ExitCode, UsageError
from si_paas.records import record
from si_paas.state.layout import StateLayout, state_root_from_env

if TYPE_CHECKING:  # contexts load when a command resolves one; a staged scan never does
    from si_paas.state.contexts import Context

MUTATING_RULE = (
    "runbook rule: always pass --context explicitly for mutating commands "
    "(deploy, rollback, secret, target, context import)"
)


# state-root locks this process holds: lock file -> (descriptor, invocations sharing it)
_HELD: dict[str, tuple[int, int]] = {}


class Payload(dict[str, Any]):
    """A read-only dict: a result's top-level fields cannot be changed after the action
    returned (still a dict, so `json.dumps` and `**payload` work as before)."""

    def _read_only(self, *_: Any, **__: Any) -> NoReturn:
        raise TypeError("a command's result payload is read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[type[Payload], tuple[dict[str, Any]]]:
        return Payload, (dict(self),)  # copies and pickles without item assignment


@record(frozen=True)
class Result:
    """What a service returns: a read-only JSON payload plus what the CLI needs to render
    and exit. Frozen: nothing downstream of the action changes what it returned."""

    payload: Mapping[str, Any]
    context: str | None = None
    ok: bool = True
    exit_code: ExitCode = ExitCode.OK
    warnings: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload", Payload(self.payload))
        object.__setattr__(self, "warnings", tuple(self.warnings))


@record
class Invocation:
    """The inputs every service shares: where the state is and which context was asked for."""

    command: str
    context_opt: str | None = None
    layout: StateLayout = field(default_factory=lambda: StateLayout(state_root_from_env()))
    warnings: list[str] = field(default_factory=list)
    resolved: Context | None = None
    audit_args: dict[str, Any] = field(default_factory=dict)
    audit_failure: str | None = None  # why the audit line could not be written
    _state_lock: int | None = field(default=None, repr=False)

    def lock_state(self) -> None:
        """Hold the state-root-wide lock until `close()` (or the process ends); idempotent.

        A check that spans contexts (a host in two contexts, one secret value in two vaults)
        judges one context's change against the others: the lock is taken before the first
        read that the gate's judgement depends on and held until the change is written, so two
        commands in two contexts cannot both pass on the state the other is replacing.
        """
        if self._state_lock is None and not self.layout.root.is_dir():
            return  # nothing to lock yet, and judging must come before creating anything
        if self._state_lock is None:
            from si_paas.state.fsio import acquire, sweep_stale

            path = str(self.layout.state_lock_file)
            held = _HELD.get(path)
            if held is not None:
                # flock excludes open files, not processes: a second invocation in the same
                # process (services called in-process) shares the lock instead of waiting on
                # itself for ever.
                _HELD[path] = (held[0], held[1] + 1)
                self._state_lock = held[0]
                return
            self._state_lock = acquire(self.layout.state_lock_file)
            _HELD[path] = (self._state_lock, 1)
            sweep_stale(self.layout.contexts_dir)  # a `context remove` killed midway

    def close(self) -> None:
        """Release what this run holds (the state-root lock)."""
        if self._state_lock is not None:
            import os

            fd, self._state_lock = self._state_lock, None
            path = str(self.layout.state_lock_file)
            held = _HELD.get(path)
            if held is not None and held[0] == fd and held[1] > 1:
                _HELD[path] = (fd, held[1] - 1)
                return
            _HELD.pop(path, None)
            os.close(fd)

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
