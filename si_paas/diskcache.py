"""A per-user cache of checked input documents (policies, rule packs, repo configs), as JSON.

Parsing YAML and validating it against JSON Schemas and cerberus costs far more than the
pre-commit hook's scan of a one-file change. The result of that checking is a plain JSON
document, so it is kept on disk under a key that is the SHA-256 of the input's bytes, the
kind of check and the package's code: a changed file, schema or si-paas version is a new
key, never a stale hit. Entries hold only policy and rule data, never state or secrets.

The folder is `$SI_PAAS_CACHE_DIR`, else `$XDG_CACHE_HOME/si-paas`, else
`~/.cache/si-paas`; `SI_PAAS_NO_CACHE=1` turns the cache off. It is created 0700, and an
entry is trusted only in a folder owned by the current user and not writable by others. A
cache that cannot be read or written is skipped: it never fails a command.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from si_paas import __version__

CACHE_ENV = "SI_PAAS_CACHE_DIR"
NO_CACHE_ENV = "SI_PAAS_NO_CACHE"
MAX_ENTRIES = 256
_SUBDIR = "checked-v1"
JUDGED_SUBDIR = "judged-v1"  # per-repository caches of history scans
_SEAL = b"si-paas sealed v1 sha256:"
_PACKAGE = Path(__file__).resolve().parent
_stamp: str | None = None
# The code a checked document depends on, besides engine/checks/ (parameter schemas) and the
# JSON Schemas: the loaders, the validators and the builders of the checked form.
_CHECKING_MODULES = (
    "__init__.py",
    "diskcache.py",
    "textfile.py",
    "resources.py",
    "schemacheck.py",
    "secretwords.py",
    "detect/packfile.py",
    "detect/rulepack.py",
    "detect/private_state.py",
    "detect/prefilter.py",
    "detect/hsmatch.py",
    "engine/policy.py",
    "engine/registry.py",
    "services/repoconfig.py",
)


def cache_root() -> Path | None:
    """The per-user si-paas cache folder, or None when caching is off."""
    if os.environ.get(NO_CACHE_ENV, "").lower() in ("1", "true", "yes"):
        return None
    base = os.environ.get(CACHE_ENV)
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = os.path.join(xdg, "si-paas") if xdg else os.path.expanduser("~/.cache/si-paas")
    return Path(base)


def cache_dir() -> Path | None:
    """The folder holding checked documents, or None when caching is off."""
    root = cache_root()
    return None if root is None else root / _SUBDIR


def code_stamp() -> str:
    """A digest of the package version and the size and mtime of the code that checks inputs.

    In a checkout or an editable install that code (and the schemas) can change without a
    new version; any change to one of those files gives every entry a new key.
    """
    global _stamp
    if _stamp is None:
        from si_paas.resources import data_dir

        files = [_PACKAGE / name for name in _CHECKING_MODULES]
        for folder in (_PACKAGE / "engine" / "checks", data_dir("schemas")):
            files += sorted(Path(e.path) for e in os.scandir(folder) if e.name.endswith((".py", ".json")))
        parts = [__version__]
        for path in files:
            st = os.stat(path)
            parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
        _stamp = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return _stamp


def key_for(kind: str, content: bytes) -> str:
    """The cache key of `content` checked as `kind`."""
    digest = hashlib.sha256(f"{kind}\0{code_stamp()}\0".encode())
    digest.update(content)
    return digest.hexdigest()


def package_stamp(package: Path, names: tuple[str, ...]) -> str:
    """A digest of the package version and the size and mtime of the files `names` (paths
    under `package`; a folder stands for its `.py` files): a key part that changes when
    the code behind a kept result does. OSError when one is missing."""
    parts = [__version__]
    for name in names:
        path = package / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for file in files:
            st = file.stat()
            parts.append(f"{file.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def drop_others(folder: Path, keep: str, suffix: str) -> None:
    """Remove the files of `folder` ending in `suffix` but `keep` (those of older keys)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.endswith(suffix) and entry.name != keep:
                os.unlink(entry.path)


def repo_folder(repo_root: Path) -> Path | None:
    """The folder of `repo_root`'s history caches (`judged-v1/<digest of its real path>`),
    or None when caching is off. Never inside the repository."""
    root = cache_root()
    if root is None:
        return None
    key = hashlib.sha256(os.fsencode(os.path.realpath(repo_root))).hexdigest()[:32]
    return root / JUDGED_SUBDIR / key


def write_sealed(folder: Path, name: str, doc: Any) -> None:
    """Write `doc` as JSON behind a header holding the SHA-256 of that JSON, atomically
    (0600, in a 0700 folder); errors are ignored."""
    try:
        body = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return
    _write(folder, name, _SEAL + hashlib.sha256(body).hexdigest().encode() + b"\n" + body, prune=False)


def read_sealed(folder: Path, name: str) -> Any | None:
    """The document `write_sealed` wrote, or None when it is missing, damaged (its digest
    does not match), not a regular file, not the current user's or writable by others."""
    import stat

    if not _trusted(folder):
        return None
    try:
        fd = os.open(folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
                return None
            data = fh.read()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    if not head.startswith(_SEAL) or head[len(_SEAL) :] != hashlib.sha256(body).hexdigest().encode():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def trusted(folder: Path) -> bool:
    """True if `folder` is the current user's and not writable by group or others."""
    return _trusted(folder)


def write_entry(folder: Path, name: str, data: bytes, *, prune: bool = True) -> None:
    """Write `folder/name` atomically (0600, in a 0700 folder); errors are ignored."""
    _write(folder, name, data, prune=prune)


def _trusted(folder: Path) -> bool:
    try:
        st = folder.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def get(key: str) -> Any | None:
    """The cached document for `key`, or None (missing, unreadable or untrusted)."""
    folder = cache_dir()
    if folder is None or not _trusted(folder):
        return None
    from si_paas.errors import InputError
    from si_paas.textfile import read_text  # regular files only: a FIFO here must not hang

    try:
        entry = json.loads(read_text(folder / f"{key}.json", "cache entry"))
    except (OSError, ValueError, RecursionError, InputError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    return entry.get("data")


def put(key: str, data: Any) -> None:
    """Keep `data` under `key` when it survives a JSON round trip; errors are ignored."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        text = json.dumps({"key": key, "data": data}, separators=(",", ":"))
        if json.loads(text)["data"] != data:  # e.g. YAML dates or tuples: not cacheable
            return
    except (TypeError, ValueError):
        return
    _write(folder, f"{key}.json", text.encode("utf-8"))


def get_bytes(key: str) -> bytes | None:
    """The cached binary entry for `key` (a compiled matcher database), or None."""
    folder = cache_dir()
    if folder is None or not _trusted(folder):
        return None
    try:
        with open(folder / f"{key}.bin", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    head = key.encode() + b"\n"
    return data[len(head) :] if data.startswith(head) else None


def put_bytes(key: str, data: bytes) -> None:
    """Keep binary `data` under `key`; errors are ignored."""
    folder = cache_dir()
    if folder is not None:
        _write(folder, f"{key}.bin", key.encode() + b"\n" + data)


def _write(folder: Path, name: str, data: bytes, *, prune: bool = True) -> None:
    """Write one entry atomically (temp file, rename) into a trusted folder."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(folder):
            return
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / name)
        if prune:
            _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    """Keep the newest MAX_ENTRIES entries: each edit of an input adds one."""
    entries = [e for e in os.scandir(folder) if e.name.endswith((".json", ".bin"))]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in entries[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
