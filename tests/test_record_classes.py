"""`record`: a dataclass made at its first instance, with the same behaviour throughout."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from si_paas.records import ensure, record


@record(frozen=True)
class Point:
    """A point."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)


@record(frozen=True)
class Named(Point):
    name: str = ""


def test_not_a_dataclass_until_the_first_instance() -> None:
    @record
    class Late:
        a: int

    assert not dataclasses.is_dataclass(Late)
    late = Late(1)
    assert dataclasses.is_dataclass(Late) and late.a == 1 and repr(late).endswith("Late(a=1)")


def test_behaves_as_a_dataclass() -> None:
    p = Named(1, 2, ("a",), name="n")
    assert p == Named(1, 2, ("a",), "n") and hash(p) == hash(Named(1, 2, ("a",), "n"))
    assert p != Named(1, 2, ("a",), "m")
    assert [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags", "name"]
    assert dataclasses.replace(p, x=5) == Named(5, 2, ("a",), "n")
    assert dataclasses.asdict(p) == {"x": 1, "y": 2, "tags": ("a",), "name": "n"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    assert Point.__doc__ == "A point."


def test_copies_and_pickles_are_equal() -> None:
    p = Named(1, name="n")
    assert copy.copy(p) == p and copy.deepcopy(p) == p and pickle.loads(pickle.dumps(p)) == p


def test_a_first_unpickled_instance_is_a_full_dataclass() -> None:
    """Loaded in a process that never called the class: eq, hash and repr are the dataclass's."""
    data = pickle.dumps(Named(1, name="n"))
    module = Named.__module__
    code = (
        "import pickle, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        f"from {module} import Named\n"
        "p = pickle.loads(sys.stdin.buffer.read())\n"
        "h, r = hash(p), repr(p)\n"  # before any call of the class
        "q = Named(1, name='n')\n"
        "print(p == q, h == hash(q), r)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True)
    assert module in sys.modules
    assert out.stdout.decode().split(None, 2) == ["True", "True", "Named(x=1, y=0, tags=(), name='n')\n"]


def test_ensure_needs_no_instance() -> None:
    @record(frozen=True)
    class Lazy:
        a: int

    ensure(Lazy)
    assert [f.name for f in dataclasses.fields(Lazy)] == ["a"]


class _Restores:
    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, restored=True)


def test_a_base_classs_setstate_still_runs() -> None:
    """The first copy of an instance made before any __init__ (as `pickle` makes one)."""

    @record
    class Restored(_Restores):
        a: int

    made = object.__new__(Restored)
    made.__dict__["a"] = 1
    copied = copy.copy(made)
    assert dataclasses.is_dataclass(Restored)
    assert copied.a == 1 and copied.__dict__["restored"] is True
