"""Where things live under the state root, and validation of the names that pick them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from si_paas.errors import InputError, UsageError
from si_paas.lazyregex import lazy

STATE_ROOT_ENV = "SI_PAAS_STATE_ROOT"
DEFAULT_STATE_ROOT = "~/.si/paas"
CONTEXT_TYPES = ("internal-dogfood", "oss-demo")
EVENT_FILES = {
    "deploy": "deployments.jsonl",
    "alert": "alerts.jsonl",
    "audit": "audit.jsonl",
    "backup": "backups.jsonl",
}

# Names are matched with fullmatch, never `^...$`: `$` also matches before a final newline,
# so "oss-demo\n" would pass as a second, different "oss-demo".
_NAME_RE = lazy(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LABEL_KEY_RE = lazy(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,62}")


def validate_name(value: str, what: str) -> str:
    """Return `value` if it is a safe name (no separators, no `..`, 1-64 chars), else raise."""
    if not value:
        raise UsageError(f"{what} name is empty")
    if len(value) > 64:
        raise UsageError(f"{what} name {value[:64]!r}... is longer than 64 characters")
    if "/" in value or "\\" in value or ".." in value or not _NAME_RE.fullmatch(value):
        raise UsageError(
            f"{what} name {value!r} is invalid: use letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, no '/' or '..'"
        )
    return value


def validate_label_key(value: str, flag: str = "--label") -> str:
    """Return `value` if it is a label key (letters, digits, `. _ / -`, 1-63 chars), else raise."""
    if not _LABEL_KEY_RE.fullmatch(value):
        raise UsageError(
            f"{flag} key {value[:64]!r} is invalid: use letters, digits, '.', '_', "
            "'/' or '-', starting with a letter or digit, at most 63 characters"
        )
    return value


def has_control(value: str) -> bool:
    """True if `value` holds a control character (a newline, an escape, NUL...)."""
    return any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in value)


KEY_DIR_ENV = "SI_PAAS_KEY_DIR"
DEFAULT_KEY_DIR = "~/.si/keys"


def path_from_env(var: str, default: str, env: dict[str, str] | None = None) -> Path:
    """$var (or `default` when unset or empty) with `~` expanded, made absolute (not resolved)."""
    env = dict(os.environ) if env is None else env
    path = Path(os.path.expanduser(env.get(var) or default))
    return path if path.is_absolute() else Path.cwd() / path


def key_dir_from_env(env: dict[str, str] | None = None) -> Path:
    """The vault key directory: $SI_PAAS_KEY_DIR or ~/.si/keys, made absolute (not resolved)."""
    return path_from_env(KEY_DIR_ENV, DEFAULT_KEY_DIR, env)


def state_root_from_env(env: dict[str, str] | None = None) -> Path:
    """The state root: $SI_PAAS_STATE_ROOT or ~/.si/paas, made absolute (not resolved)."""
    return path_from_env(STATE_ROOT_ENV, DEFAULT_STATE_ROOT, env)


class StateLayout(NamedTuple):
    """Paths of one state root. Pure: building one touches no disk."""

    root: Path

    @property
    def contexts_dir(self) -> Path:
        return self.root / "contexts"

    @property
    def current_context_file(self) -> Path:
        return self.root / "current_context"

    def context_dir(self, name: str) -> Path:
        return self.contexts_dir / name

    def config_file(self, name: str) -> Path:
        return self.context_dir(name) / "config.json"

    def collection_file(self, name: str, collection: str) -> Path:
        return self.context_dir(name) / f"{collection}.json"

    def events_file(self, name: str, kind: str) -> Path:
        return self.context_dir(name) / "events" / EVENT_FILES[kind]

    def default_vault_file(self, name: str) -> Path:
        return self.context_dir(name) / "vault" / "secrets.env"

    def lock_file(self, name: str) -> Path:
        return self.context_dir(name) / ".lock"

    @property
    def state_lock_file(self) -> Path:
        """The state-root-wide lock: taken before a context's own lock, never after it."""
        return self.root / ".lock"

    def check_usable(self, *, write: bool) -> None:
        """Raise a one-line InputError if the root is a file, unreadable or not writable."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise InputError(f"state root {root} is not a directory (check ${STATE_ROOT_ENV})")
        probe = root
        while not probe.exists():
            probe = probe.parent
        if root.exists() and not os.access(root, os.R_OK | os.X_OK):
            raise InputError(f"state root {root} is not readable")
        if write and not os.access(probe, os.W_OK | os.X_OK):
            raise InputError(f"state root {root} is not writable ({probe})")
