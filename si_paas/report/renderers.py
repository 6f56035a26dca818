"""Output formats: one `Renderer` protocol, a registry by name, one module per format.

Every module of `si_paas.report.formats` defines `RENDERER`, an object with a `name` and a
`render(verdict, out)` method; the registry finds them by listing that package, so a new
format is one module there (plus its test) and every command with `--format` offers it.
Format modules import their heavy libraries (rich) inside `render`, so listing the formats
stays cheap.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from si_paas.report.verdict import VerdictDoc

DEFAULT = "table"


class Renderer(Protocol):
    """Writes one verdict to `out` in one format."""

    name: str

    def render(self, verdict: VerdictDoc, out: TextIO) -> None:
        """Write `verdict` to `out`."""
        ...


@cache
def registry() -> dict[str, Renderer]:
    """Every renderer by name: the `RENDERER` of each module in `si_paas.report.formats`."""
    import importlib
    import pkgutil

    from si_paas.report import formats

    found: dict[str, Renderer] = {}
    for info in sorted(pkgutil.iter_modules(formats.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{formats.__name__}.{info.name}")
        renderer: Renderer = module.RENDERER
        if renderer.name in found:
            raise RuntimeError(f"two output formats named {renderer.name!r}")
        found[renderer.name] = renderer
    return found


def names() -> list[str]:
    """The format names, the default (table) first, then json, then the rest by name."""
    return sorted(registry(), key=lambda n: (n != DEFAULT, n != "json", n))


def get(name: str) -> Renderer:
    """The renderer called `name` (one of `names()`)."""
    return registry()[name]


def render(name: str, verdict: VerdictDoc, out: TextIO) -> None:
    """Write `verdict` to `out` in format `name`."""
    get(name).render(verdict, out)
