"""A read-only view of the state root: contexts, their records, events and file modes."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.errors import InputError
from si_paas.records import record
from si_paas.state import fsio
from si_paas.state.layout import EVENT_FILES, StateLayout
from si_paas.walk import TOO_LONG, count, walk

if TYPE_CHECKING:  # the state modules load when the state is read: a staged scan never reads it
    from si_paas.state.contexts import Context
    from si_paas.state.jsonl import BadLine

Items = list[dict[str, Any]]


@record(frozen=True)
class FileMode:
    """Mode and owner of one path under the state root."""

    path: Path
    is_dir: bool
    mode: int
    uid: int


@record
class StateSnapshot:
    """The state root as the engine sees it. `overlay` holds a proposed change not yet written.

    `overlay_items[(context, collection)]` replaces that collection; `overlay_contexts` adds or
    replaces contexts; `overlay_vault_values` replaces the vault value index. They let the
    gate judge the state a command is about to create.
    """

    layout: StateLayout
    focus: str | None = None
    overlay_items: dict[tuple[str, str], Items] = field(default_factory=dict)
    overlay_contexts: dict[str, Context] = field(default_factory=dict)
    overlay_vault_values: dict[str, list[tuple[str, str, str]]] | None = None
    walk_skipped: dict[str, int] = field(default_factory=dict)  # what `modes` did not judge
    env: dict[str, str] | None = None  # where $SI_PAAS_KEY_DIR is read; None: the process's

    @property
    def root(self) -> Path:
        return self.layout.root

    @cached_property
    def _configs(self) -> tuple[tuple[str, Context], ...]:
        """(directory name, config) of every context directory; a corrupt config fails."""
        from si_paas import schemacheck
        from si_paas.state.contexts import from_config, list_context_names

        found = []
        for name in list_context_names(self.layout):
            path = self.layout.config_file(name)
            try:
                raw = fsio.read_json(path)
            except FileNotFoundError:
                continue  # removed meanwhile (a concurrent `context remove`)
            schemacheck.check(raw, "context-config", path)
            found.append((name, from_config(self.layout, name, raw)))
        return tuple(found)

    @cached_property
    def contexts(self) -> tuple[Context, ...]:
        """Every context whose config names its own directory, including proposed ones."""
        found = {d: c for d, c in self._configs if c.name == d}
        found.update(self.overlay_contexts)
        return tuple(found[n] for n in sorted(found))

    @property
    def misplaced(self) -> tuple[tuple[str, Context], ...]:
        """(directory, config) where config.json names another context: a copied directory."""
        return tuple((d, c) for d, c in self._configs if c.name != d)

    def focused(self) -> tuple[Context, ...]:
        """The contexts a per-context check judges: the focus, or all."""
        if self.focus is None:
            return self.contexts
        return tuple(c for c in self.contexts if c.name == self.focus)

    def by_name(self, name: str) -> Context | None:
        return next((c for c in self.contexts if c.name == name), None)

    def items(self, ctx: Context, collection: str) -> Items:
        """Records of a collection (targets, apps), with any proposed change applied."""
        key = (ctx.name, collection)
        if key in self.overlay_items:
            return self.overlay_items[key]
        return self._disk_items(ctx.name, collection)

    def _disk_items(self, name: str, collection: str) -> Items:
        cache: dict[tuple[str, str], Items] = self.__dict__.setdefault("_items_cache", {})
        key = (name, collection)
        if key not in cache:
            ctx = self.by_name(name)
            from si_paas.state.collections import read_items

            cache[key] = read_items(self.layout, ctx, collection) if ctx else []
        return cache[key]

    def raw_collection_owner(self, ctx: Context, collection: str) -> dict[str, Any] | None:
        """The top-level `context`/`context_id` stamped in a collection file, if it exists."""
        path = self.layout.collection_file(ctx.name, collection)
        try:
            doc = fsio.read_json(path)
        except FileNotFoundError:
            return None
        return {"context": doc.get("context"), "context_id": doc.get("context_id"), "path": str(path)}

    def events(self, ctx: Context) -> Iterator[tuple[Path, int, dict[str, Any]]]:
        """Every valid event record of a context (all kinds, rotated segments too), with file
        and line. Lines that are not valid events are skipped and kept for `bad_event_lines`."""
        from si_paas.state.events import iter_events

        bad: list[BadLine] = []
        for kind in EVENT_FILES:
            yield from iter_events(self.layout, ctx, kind, bad)
        self.__dict__.setdefault("_bad_lines", {})[ctx.name] = tuple(bad)

    def bad_event_lines(self, ctx: Context) -> tuple[BadLine, ...]:
        """The event lines of a context that readers skip (torn, not JSON, not an event)."""
        known: dict[str, tuple[BadLine, ...]] = self.__dict__.setdefault("_bad_lines", {})
        if ctx.name not in known:
            for _ in self.events(ctx):
                pass
        return known[ctx.name]

    def event_logs(self, ctx: Context) -> list[tuple[Path, int]]:
        """(path, size) of every event log segment of a context, live and rotated."""
        from si_paas.state.jsonl import segments

        out = []
        for kind in EVENT_FILES:
            for path in segments(self.layout.events_file(ctx.name, kind)):
                with contextlib.suppress(OSError):  # rotated away meanwhile
                    out.append((path, path.stat().st_size))
        return out

    def extra_json_records(self, ctx: Context) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Other JSON documents of a context (deployments, addons, alert policy)."""
        base = self.layout.context_dir(ctx.name)
        for rel in ("deployments.json", "addons.json", "alerts/policy.json", "alerts/silences.json"):
            path = base / rel
            try:
                doc = fsio.read_json(path)
            except FileNotFoundError:
                continue
            if isinstance(doc, dict):
                yield path, doc

    def release_records(self, ctx: Context) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Release records of a context (releases/<app>/<id>/release.json)."""
        from si_paas.state.releases import iter_release_records

        yield from iter_release_records(self.layout, ctx.name)

    def drill_records(self, ctx: Context) -> Iterator[tuple[Path, int, dict[str, Any]]]:
        """Rollback drill records of a context (drills.jsonl), with file and line."""
        from si_paas.state.releases import raw_drills

        yield from raw_drills(self.layout, ctx.name)

    @cached_property
    def vault_values(self) -> dict[str, list[tuple[str, str, str]]]:
        """Shared value fingerprint -> [(context, key, type)], from the vault files (no keys)."""
        if self.overlay_vault_values is not None:
            return self.overlay_vault_values
        from si_paas.state.vault import vault_value_index  # cryptography, only when asked

        return vault_value_index(self.layout, self.contexts)

    @cached_property
    def key_dir(self) -> Path:
        """The vault key directory in effect ($SI_PAAS_KEY_DIR or ~/.si/keys)."""
        from si_paas.state.layout import key_dir_from_env

        return key_dir_from_env(self.env)

    def mode_of(self, path: Path | str) -> FileMode | None:
        """Mode and owner of `path` after symlinks, or None when it does not exist."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        return FileMode(Path(path), stat.S_ISDIR(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid)

    @cached_property
    def modes(self) -> tuple[FileMode, ...]:
        """Mode and owner of every directory and file under the state root (no symlinks)."""
        out: list[FileMode] = []
        if not self.root.is_dir():
            return ()
        for dirpath, dirnames, filenames in walk(self.root, self.walk_skipped):
            for name in [*dirnames, *filenames]:
                path = Path(dirpath) / name
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    continue  # a temp file renamed or removed by a writer meanwhile
                except OSError as exc:
                    if exc.errno == errno.ENAMETOOLONG:
                        count(self.walk_skipped, TOO_LONG)
                        continue
                    raise InputError(f"{path}: cannot stat: {exc.strerror}") from None
                if stat.S_ISLNK(st.st_mode):
                    continue
                out.append(FileMode(path, stat.S_ISDIR(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid))
        root_st = os.stat(self.root)
        out.insert(0, FileMode(self.root, True, stat.S_IMODE(root_st.st_mode), root_st.st_uid))
        return tuple(out)
