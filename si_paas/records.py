"""`record`: `dataclasses.dataclass`, applied when the class makes its first instance.

Making a dataclass compiles its generated methods: about a millisecond a class, and the
modules a pre-commit run imports define some forty of them, many of which that run never
instantiates (findings, history snapshots, worktree records). A `record` class is the same
class with the same dataclass behaviour; only the work moves from import to the first
`__init__` of the class or of a subclass (or the first `copy` or `pickle` load of one).
Type checkers see `dataclasses.dataclass` itself.

Before that first instance the class is not yet a dataclass: `dataclasses.fields(cls)` and
`dataclasses.is_dataclass(cls)` need an instance first (`ensure(cls)` does it without one).
"""

from __future__ import annotations

import _thread
from typing import TYPE_CHECKING, Any

__all__ = ["ensure", "record"]

_PENDING = "__record_options__"
_LOCK = _thread.allocate_lock()

if TYPE_CHECKING:
    from dataclasses import dataclass as record
else:

    def record(cls: type | None = None, /, **options: Any) -> Any:
        """`@record` or `@record(frozen=True, ...)`: the options of `dataclasses.dataclass`."""
        if cls is None:
            return lambda c: _defer(c, options)
        return _defer(cls, options)


def _defer(cls: type, options: dict[str, Any]) -> type:
    if options.get("slots") or "__init__" in cls.__dict__ or "__setstate__" in cls.__dict__:
        from dataclasses import dataclass

        return dataclass(cls, **options)  # a new class, or methods of its own: now

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        ensure(type(self))
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

    def __setstate__(self: Any, state: Any) -> None:  # `copy` and `pickle` skip __init__
        ensure(type(self))
        inherited = getattr(self, "__setstate__", None)
        if inherited is not None:  # a base class's own
            inherited(state)
            return
        values, slots = state if isinstance(state, tuple) and len(state) == 2 else (state, None)
        self.__dict__.update(values or {})
        for name, value in (slots or {}).items():
            object.__setattr__(self, name, value)

    setattr(cls, _PENDING, options)
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


def ensure(cls: type) -> None:
    """Make `cls` and the record classes it derives from dataclasses now (once each)."""
    with _LOCK:
        for base in reversed(cls.__mro__):
            options = base.__dict__.get(_PENDING)
            if options is None:
                continue
            from dataclasses import dataclass

            delattr(base, _PENDING)
            del base.__init__  # type: ignore[misc]
            del base.__setstate__  # type: ignore[attr-defined]
            dataclass(base, **options)
