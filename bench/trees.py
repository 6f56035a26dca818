"""Deterministic inputs for the speed benchmarks, built under /tmp/si-paas-bench.

* `generated_tree`: N text files (.py .js .yaml .json .env .md, 1-8 KiB) with planted
  secrets of several formats and a manifest of where they are.
* `real_tree`: text files (up to 1 MiB) copied from the venv's site-packages and the
  standard library until the copy holds a given number of bytes.
* `git_repo`: a generated tree committed in one commit (`git add` in batches).
* `history_repo` / `replayed_repo`: thousands of small commits written with
  `git fast-import` (synthetic, or the files of this repository replayed).

Every builder writes a stamp file next to its output and reuses the output when the stamp
matches its parameters, so a second run of a benchmark does not rebuild its inputs.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import ROOT, WORK_DIR, git

GENERATOR_VERSION = 4  # 4: planted line numbers count the lines inside multi-line snippets
ALNUM = string.ascii_letters + string.digits
UPPER32 = string.ascii_uppercase + "234567"
B64 = string.ascii_letters + string.digits + "+/"
HEX = "0123456789abcdef"
EXTENSIONS = (".py", ".js", ".yaml", ".json", ".env", ".md")
EXT_WEIGHTS = (30, 22, 14, 14, 5, 15)
WORDS = (
    "account",
    "adapter",
    "agent",
    "alert",
    "archive",
    "asset",
    "audit",
    "backend",
    "batch",
    "billing",
    "bucket",
    "buffer",
    "build",
    "cache",
    "catalog",
    "channel",
    "checkout",
    "client",
    "cluster",
    "config",
    "consumer",
    "context",
    "cursor",
    "customer",
    "daemon",
    "dataset",
    "deploy",
    "device",
    "digest",
    "domain",
    "driver",
    "engine",
    "entry",
    "event",
    "export",
    "feature",
    "filter",
    "gateway",
    "graph",
    "handler",
    "header",
    "import",
    "index",
    "invoice",
    "job",
    "kernel",
    "label",
    "layer",
    "ledger",
    "limit",
    "listener",
    "loader",
    "locale",
    "manifest",
    "metric",
    "mirror",
    "module",
    "monitor",
    "network",
    "node",
    "notice",
    "order",
    "owner",
    "packet",
    "parser",
    "payload",
    "pipeline",
    "plugin",
    "policy",
    "pool",
    "portal",
    "process",
    "profile",
    "project",
    "provider",
    "proxy",
    "queue",
    "quota",
    "record",
    "region",
    "registry",
    "release",
    "replica",
    "report",
    "request",
    "resource",
    "response",
    "route",
    "runner",
    "sample",
    "scheduler",
    "schema",
    "search",
    "segment",
    "sensor",
    "server",
    "service",
    "session",
    "shard",
    "signal",
    "snapshot",
    "socket",
    "source",
    "stage",
    "status",
    "storage",
    "stream",
    "subject",
    "summary",
    "table",
    "tenant",
    "ticket",
    "timer",
    "topic",
    "tracker",
    "transfer",
    "upload",
    "user",
    "value",
    "vendor",
    "version",
    "view",
    "volume",
    "watcher",
    "widget",
    "worker",
    "workflow",
    "zone",
)
PROSE = (
    "the",
    "a",
    "each",
    "when",
    "this",
    "that",
    "every",
    "runs",
    "returns",
    "reads",
    "writes",
    "keeps",
    "sends",
    "before",
    "after",
    "once",
    "with",
    "without",
    "and",
    "or",
    "into",
    "from",
    "only",
    "also",
    "then",
    "new",
    "old",
    "first",
    "last",
    "small",
    "large",
)
SECRET_KEYS = (
    "API_TOKEN",
    "AUTH_TOKEN",
    "DB_PASSWORD",
    "CLIENT_SECRET",
    "SERVICE_API_KEY",
    "STRIPE_SECRET",
    "REDIS_PASSWORD",
    "SESSION_SECRET",
)


def _stamp_ok(stamp: Path, params: dict[str, Any]) -> bool:
    try:
        return bool(json.loads(stamp.read_text())["params"] == params)
    except (OSError, ValueError, KeyError):
        return False


def _write_stamp(stamp: Path, params: dict[str, Any], **extra: Any) -> None:
    stamp.write_text(json.dumps({"params": params, **extra}, indent=1))


def _read_stamp(stamp: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stamp.read_text())
    return data


# ------------------------------------------------------------------ file contents


class Writer:
    """Random but plausible source text of one kind; every choice comes from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def ident(self, parts: int = 2) -> str:
        return "_".join(self.word() for _ in range(parts))

    def camel(self) -> str:
        a, b = self.word(), self.word()
        return a + b.capitalize()

    def sentence(self, n: int = 12) -> str:
        words = [self.rng.choice(PROSE if self.rng.random() < 0.5 else WORDS) for _ in range(n)]
        return " ".join(words).capitalize() + "."

    def rand(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def uuid(self) -> str:
        h = self.rand(HEX, 32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # ---- look-alike lines: look like secrets to a careless scanner, are not secrets
    def lookalike(self, ext: str) -> str:
        r = self.rng.random()
        if ext == ".py":
            if r < 0.3:
                return f'    password = os.environ["{self.ident().upper()}_PASSWORD"]'
            if r < 0.6:
                return f'    digest = "{self.rand(HEX, 64)}"  # sha256 of the {self.word()} file'
            return f"    token = get_{self.word()}_token(request)"
        if ext == ".js":
            return f'  "integrity": "sha512-{self.rand(B64, 86)}==",'
        if ext == ".yaml":
            return f"    secretName: {self.word()}-{self.word()}-credentials"
        if ext == ".json":
            return f'  "id": "{self.uuid()}",'
        if ext == ".env":
            return f"{self.ident().upper()}_TOKEN_FILE=/run/secrets/{self.word()}"
        return f"Set `API_TOKEN` to the value of the {self.word()} token (see the vault)."

    def line(self, ext: str, depth: int) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return self.lookalike(ext)
        if ext == ".py":
            r = rng.random()
            if r < 0.12:
                return f"def {self.ident()}({self.word()}: {self.word().capitalize()}) -> None:"
            if r < 0.2:
                return f"    # {self.sentence(rng.randint(5, 14))}"
            if r < 0.3:
                return f"{self.ident().upper()} = {rng.randint(1, 10000)}"
            if r < 0.4:
                return f"    return {self.word()}.{self.word()}({self.word()}={rng.randint(0, 99)})"
            if r < 0.5:
                return f"from {self.word()}.{self.word()} import {self.camel().capitalize()}"
            if r < 0.6:
                return ""
            return f"    {self.word()} = self.{self.ident()}({self.word()}, '{self.word()}-{self.word()}')"
        if ext == ".js":
            r = rng.random()
            if r < 0.15:
                return f"function {self.camel()}({self.word()}, {self.word()}) {{"
            if r < 0.3:
                return f"  const {self.camel()} = require('./{self.word()}/{self.word()}');"
            if r < 0.4:
                return f"  // {self.sentence(rng.randint(5, 12))}"
            if r < 0.5:
                return "}"
            return f"  {self.camel()}.{self.camel()}({self.word()}, {rng.randint(0, 500)});"
        if ext == ".yaml":
            pad = "  " * (depth % 4)
            r = rng.random()
            if r < 0.2:
                return f"{pad}{self.word()}:"
            if r < 0.35:
                return f'{pad}- name: {self.ident().upper()}\n{pad}  value: "{self.word()}"'
            if r < 0.5:
                tag = f"{rng.randint(1, 9)}.{rng.randint(0, 20)}"
                return f"{pad}image: registry.internal/{self.word()}:{tag}"
            value = rng.choice([str(rng.randint(0, 999)), self.word(), "true"])
            return f"{pad}{self.word()}_{self.word()}: {value}"
        if ext == ".json":
            r = rng.random()
            if r < 0.3:
                return f'  "{self.camel()}": "{self.word()}-{self.word()}",'
            if r < 0.6:
                return f'  "{self.camel()}": {rng.randint(0, 100000)},'
            return f'  "{self.camel()}": ["{self.word()}", "{self.word()}", "{self.word()}"],'
        if ext == ".env":
            r = rng.random()
            if r < 0.5:
                return f"{self.ident().upper()}={self.word()}"
            if r < 0.8:
                return f"{self.ident().upper()}_PORT={rng.randint(1024, 65000)}"
            return f"# {self.sentence(rng.randint(4, 9))}"
        r = rng.random()
        if r < 0.1:
            return f"## {self.word().capitalize()} {self.word()}"
        if r < 0.2:
            return f"    si paas {self.word()} --{self.word()} {self.word()}"
        if r < 0.3:
            return ""
        return self.sentence(rng.randint(8, 24))

    # ---- planted secrets: (kind, lines); the secret is on the first line
    def secret(self, ext: str) -> tuple[str, list[str]]:
        rng = self.rng
        kinds = ["keyed", "github", "aws", "pem"]
        kind = rng.choices(kinds, weights=(45, 25, 20, 10))[0]
        if kind == "keyed":
            key, value = rng.choice(SECRET_KEYS), self.rand(ALNUM, 32)
            if ext == ".py":
                return kind, [f'{key} = "{value}"']
            if ext == ".js":
                return kind, [f'const {key} = "{value}";']
            if ext == ".yaml":
                return kind, [f"{key.lower()}: {value}"]
            if ext == ".json":
                return kind, [f'  "{key.lower()}": "{value}",']
            if ext == ".md":
                return kind, [f"    export {key}={value}"]
            return kind, [f"{key}={value}"]
        if kind == "github":
            token = "ghp_" + self.rand(ALNUM, 36)
            return kind, [f"GITHUB_TOKEN={token}" if ext in (".env", ".md") else f'github_token = "{token}"']
        if kind == "aws":
            key = "AKIA" + self.rand(UPPER32, 16)
            return kind, [
                f"AWS_ACCESS_KEY_ID={key}" if ext in (".env", ".md") else f'aws_access_key_id = "{key}"'
            ]
        body = [self.rand(B64, 64) for _ in range(rng.randint(12, 25))]
        body.append(self.rand(B64, rng.randint(8, 60)) + "==")
        return kind, ["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"]

    def file(self, ext: str, size: int, plant: bool) -> tuple[str, list[tuple[int, str]]]:
        """The text of one file of about `size` bytes, and (line, kind) of planted secrets."""
        lines: list[str] = []  # an entry may hold several lines (a YAML name/value pair)
        planted: list[tuple[int, str]] = []
        if ext == ".json":
            lines.append("{")
        total, depth, physical = 0, 0, len(lines)
        plant_at = self.rng.randint(1, max(1, size // 60)) if plant else -1
        while total < size:
            if len(lines) == plant_at:
                kind, block = self.secret(ext)
                planted.append((physical + 1, kind))
                lines.extend(block)
                physical += len(block)
                total += sum(len(b) + 1 for b in block)
                continue
            text = self.line(ext, depth)
            depth += 1
            lines.append(text)
            physical += text.count("\n") + 1
            total += len(text) + 1
        if ext == ".json":
            lines.append('  "end": true\n}')
        return "\n".join(lines) + "\n", planted


# ------------------------------------------------------------------ generated tree


@dataclass
class Tree:
    """A built input: its root, file count, bytes and (for generated trees) planted secrets."""

    root: Path
    files: int
    bytes: int
    planted: list[dict[str, Any]]

    @property
    def planted_by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.planted:
            out[p["kind"]] = out.get(p["kind"], 0) + 1
        return dict(sorted(out.items()))


def _layout(n: int, rng: random.Random) -> Iterator[tuple[str, str]]:
    """(relative path without extension, extension) of n files in a nested layout."""
    for i in range(n):
        ext = rng.choices(EXTENSIONS, weights=EXT_WEIGHTS)[0]
        top = f"{WORDS[i % 37]}-{i % 11}"
        mid = f"{WORDS[(i // 7) % 53]}"
        sub = f"{WORDS[(i // 3) % 29]}{(i // 200) % 10}"
        name = f"{WORDS[(i * 7919) % len(WORDS)]}_{i}"
        if ext == ".env":
            name = f".env.{WORDS[i % len(WORDS)]}_{i}" if i % 2 else f"deploy_{i}"
            yield f"{top}/{mid}/{name}", ".env" if i % 2 == 0 else ""
            continue
        yield f"{top}/{mid}/{sub}/{name}", ext


def generate_files(
    root: Path, n: int, seed: int, secrets: int, size_range: tuple[int, int] = (1024, 8192)
) -> tuple[int, list[dict[str, Any]]]:
    """Write n files under root; about `secrets` of them hold one planted secret."""
    rng = random.Random(seed)
    writer = Writer(rng)
    plant_every = max(1, n // max(1, secrets))
    total = 0
    planted: list[dict[str, Any]] = []
    made: set[Path] = set()
    for i, (stem, ext) in enumerate(_layout(n, rng)):
        path = root / (stem + ext)
        kind_ext = ".env" if ext in (".env", "") else ext
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        lo, hi = size_range
        size = int(lo + (hi - lo) * rng.random() ** 1.6)
        text, spots = writer.file(kind_ext, size, plant=(i % plant_every == plant_every // 2))
        data = text.encode()
        path.write_bytes(data)
        total += len(data)
        rel = path.relative_to(root).as_posix()
        planted += [{"path": rel, "line": line, "kind": kind} for line, kind in spots]
    return total, planted


def generated_tree(
    n: int = 20_000, seed: int = 20240611, secrets: int = 300, name: str | None = None
) -> Tree:
    """A folder of n generated files with planted secrets (rebuilt only when missing)."""
    root = WORK_DIR / (name or f"gen-{n}")
    stamp = WORK_DIR / f"{root.name}.stamp.json"
    params = {"n": n, "seed": seed, "secrets": secrets, "v": GENERATOR_VERSION}
    if not (_stamp_ok(stamp, params) and root.is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        total, planted = generate_files(root, n, seed, secrets)
        _write_stamp(stamp, params, files=n, bytes=total, planted=planted)
    info = _read_stamp(stamp)
    return Tree(root, info["files"], info["bytes"], info["planted"])


# ------------------------------------------------------------------ real tree

TEXT_SUFFIXES = {
    ".py",
    ".pyi",
    ".txt",
    ".md",
    ".rst",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".ini",
    ".html",
    ".js",
    ".css",
    ".c",
    ".h",
    ".xml",
    ".csv",
    ".sh",
    ".pem",
    ".tcl",
    ".in",
    ".typed",
}


def _text_files(base: Path, skip: set[Path]) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and Path(dirpath, d) not in skip)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.suffix in TEXT_SUFFIXES and not path.is_symlink():
                yield path


def real_tree(min_bytes: int = 110 * 1000 * 1000, name: str = "real") -> Tree:
    """Text files of the venv's site-packages, then of the stdlib (with the interpreter's own
    site-packages under it), copied until `min_bytes` are reached."""
    root = WORK_DIR / name
    stamp = WORK_DIR / f"{name}.stamp.json"
    purelib = Path(sysconfig.get_paths()["purelib"])
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    params = {"min_bytes": min_bytes, "sources": [str(purelib), str(stdlib)], "v": 2}
    if not (_stamp_ok(stamp, params) and root.is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        total = files = 0
        skip = {purelib / "si_paas"}
        for label, base in (("site-packages", purelib), ("stdlib", stdlib)):
            for src in _text_files(base, skip):
                size = src.stat().st_size
                if size > 1024 * 1024 or size == 0:
                    continue
                dst = root / label / src.relative_to(base)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
                total += size
                files += 1
                if total >= min_bytes:
                    break
            if total >= min_bytes:
                break
        _write_stamp(stamp, params, files=files, bytes=total)
    info = _read_stamp(stamp)
    return Tree(root, info["files"], info["bytes"], [])


def subset(tree: Tree, n: int, name: str) -> Tree:
    """Every k-th file of a tree copied to its own folder (for a tool too slow for the whole)."""
    root = WORK_DIR / name
    stamp = WORK_DIR / f"{name}.stamp.json"
    params = {"of": str(tree.root), "of_bytes": tree.bytes, "n": n}
    if not (_stamp_ok(stamp, params) and root.is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        every = sorted(p for p in tree.root.rglob("*") if p.is_file())
        step = max(1, len(every) // n)
        total = files = 0
        for src in every[::step][:n]:
            dst = root / src.relative_to(tree.root)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            total += src.stat().st_size
            files += 1
        _write_stamp(stamp, params, files=files, bytes=total)
    info = _read_stamp(stamp)
    return Tree(root, info["files"], info["bytes"], [])


# ------------------------------------------------------------------ git repositories


def git_repo(n: int, seed: int, secrets: int, name: str, size_range: tuple[int, int] = (512, 4096)) -> Tree:
    """A git repository of n generated files in one commit (added in batches of 5000)."""
    root = WORK_DIR / name
    stamp = WORK_DIR / f"{name}.stamp.json"
    params = {"n": n, "seed": seed, "secrets": secrets, "size": list(size_range), "v": GENERATOR_VERSION}
    if not (_stamp_ok(stamp, params) and (root / ".git").is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        total, planted = generate_files(root, n, seed, secrets, size_range)
        paths = sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
        )
        for i in range(0, len(paths), 5000):
            git(
                root,
                "add",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
                stdin="\0".join(paths[i : i + 5000]).encode(),
            )
        git(root, "commit", "-q", "-m", f"{n} generated files")
        _write_stamp(stamp, params, files=len(paths), bytes=total, planted=planted)
    else:
        git(root, "reset", "-q", "--hard", "HEAD")
        git(root, "clean", "-q", "-fdx")
    info = _read_stamp(stamp)
    return Tree(root, info["files"], info["bytes"], info["planted"])


def _fi_data(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def _fast_import(root: Path, stream: bytes) -> None:
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=stream, check=True)
    git(root, "reset", "-q", "--hard", "main")


def history_repo(commits: int, seed: int, name: str) -> tuple[Tree, dict[str, int]]:
    """`commits` commits of 1-3 small files each; some add a secret that a later one removes.

    Returns the repository and counts: commits, blobs written, secrets added (and removed).
    """
    root = WORK_DIR / name
    stamp = WORK_DIR / f"{name}.stamp.json"
    params = {"commits": commits, "seed": seed, "v": GENERATOR_VERSION}
    if not (_stamp_ok(stamp, params) and (root / ".git").is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        rng = random.Random(seed)
        writer = Writer(rng)
        pool = [
            f"{WORDS[i % len(WORDS)]}/{WORDS[(i * 13) % len(WORDS)]}_{i}" + EXTENSIONS[i % 4]
            for i in range(max(50, commits // 3))
        ]
        contents: dict[str, str] = {}
        with_secret: dict[str, int] = {}
        out: list[bytes] = []
        blobs = added = removed = 0
        for c in range(commits):
            lines: list[bytes] = []
            for _ in range(rng.randint(1, 3)):
                path = rng.choice(pool)
                ext = Path(path).suffix
                if path in with_secret and rng.random() < 0.5:
                    # a later commit removes the secret again
                    text = contents.get(path) or writer.file(ext, rng.randint(300, 2500), False)[0]
                    with_secret.pop(path)
                    removed += 1
                else:
                    plant = rng.random() < 0.04
                    text, spots = writer.file(ext, rng.randint(300, 2500), plant)
                    if spots:
                        with_secret[path] = c
                        added += 1
                    else:
                        contents[path] = text
                lines.append(b"M 100644 inline " + path.encode() + b"\n" + _fi_data(text.encode()))
                blobs += 1
            when = 1_700_000_000 + c * 600
            msg = f"change {c}".encode()
            out.append(
                b"commit refs/heads/main\n"
                + b"author bench <bench@example.invalid> %d +0000\n" % when
                + b"committer bench <bench@example.invalid> %d +0000\n" % when
                + _fi_data(msg)
                + b"".join(lines)
            )
        _fast_import(root, b"".join(out))
        files = len(git(root, "ls-files", "-z").split(b"\0")) - 1
        size = int(git(root, "count-objects", "-v").decode().split("size-pack: ")[1].split()[0])
        _write_stamp(
            stamp,
            params,
            files=files,
            bytes=size * 1024,
            planted=[],
            stats={"commits": commits, "blobs": blobs, "secrets_added": added, "secrets_removed": removed},
        )
    info = _read_stamp(stamp)
    return Tree(root, info["files"], info["bytes"], []), info["stats"]


def replayed_repo(commits: int, seed: int, name: str) -> tuple[Tree, dict[str, int]]:
    """A clone of this repository grown by `commits` synthetic commits replaying its files.

    Commit k rewrites one to three files of HEAD with their real content plus a changed
    trailing line, so every commit introduces new blobs of real source text.
    """
    root = WORK_DIR / name
    stamp = WORK_DIR / f"{name}.stamp.json"
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    params = {"commits": commits, "seed": seed, "head": head, "v": GENERATOR_VERSION}
    if not (_stamp_ok(stamp, params) and (root / ".git").is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(root)], check=True)
        git(root, "checkout", "-q", "-B", "main")
        rng = random.Random(seed)
        paths = [p for p in git(root, "ls-files", "-z").decode().split("\0") if p]
        texts = {p: (root / p).read_bytes() for p in paths if (root / p).is_file()}
        names = sorted(p for p, data in texts.items() if b"\0" not in data[:8192])
        out: list[bytes] = []
        blobs = 0
        for c in range(commits):
            lines: list[bytes] = []
            for path in rng.sample(names, rng.randint(1, 3)):
                data = texts[path] + b"\n# replay %d\n" % c
                lines.append(b"M 100644 inline " + path.encode() + b"\n" + _fi_data(data))
                blobs += 1
            when = 1_700_000_000 + c * 600
            parent = b"from main^0\n" if c == 0 else b""
            out.append(
                b"commit refs/heads/main\n"
                + b"author bench <bench@example.invalid> %d +0000\n" % when
                + b"committer bench <bench@example.invalid> %d +0000\n" % when
                + _fi_data(b"replay %d" % c)
                + parent
                + b"".join(lines)
            )
        _fast_import(root, b"".join(out))
        files = len(names)
        size = int(git(root, "count-objects", "-v").decode().split("size-pack: ")[1].split()[0])
        total = int(git(root, "rev-list", "--count", "--all"))
        _write_stamp(
            stamp,
            params,
            files=files,
            bytes=size * 1024,
            planted=[],
            stats={"commits": total, "synthetic_commits": commits, "blobs": blobs},
        )
    info = _read_stamp(stamp)
    return Tree(root, info["files"], info["bytes"], []), info["stats"]
