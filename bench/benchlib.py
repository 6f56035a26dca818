"""Shared helpers of the speed benchmarks: timed child processes, machine facts, tables, JSON.

Every benchmark runs the tools as child processes. A run's wall time is measured around
`Popen` and `os.wait4`, its CPU time is the user + system time `wait4` reports, and its
peak RSS is what `/usr/bin/time -f %M` reports for the tool (for a shell pipeline: the
largest process of the pipeline). Generated trees live
under /tmp/si-paas-bench (never inside the repository); results go to bench/out/.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
WORK_DIR = Path(os.environ.get("SI_PAAS_BENCH_DIR", "/tmp/si-paas-bench"))
BIN = Path(sys.executable).parent
PYTHON = sys.executable
SI = str(BIN / "si")
# detect-secrets is a peer: from this venv when installed here, else from the peers' venv.
_PEER_BIN = Path(os.environ.get("SI_PAAS_BENCH_PEERS", str(WORK_DIR / "peers-venv"))) / "bin"
_DS_BIN = BIN if (BIN / "detect-secrets").exists() else _PEER_BIN
DETECT_SECRETS = str(_DS_BIN / "detect-secrets")
DETECT_SECRETS_HOOK = str(_DS_BIN / "detect-secrets-hook")
RG = shutil.which("rg") or "/usr/bin/rg"
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
LONG_RUN_SECONDS = 10.0


@dataclass
class Run:
    """One finished child process."""

    seconds: float
    cpu_seconds: float  # user + system time of the child and its waited children
    max_rss_kib: int
    returncode: int
    stdout: bytes
    stderr: bytes


def run(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    ok: Sequence[int] = (0,),
) -> Run:
    """Run `cmd` to completion: wall time, CPU time and peak RSS.

    CPU time comes from `wait4` (the child and the children it waited for). Peak RSS comes
    from GNU time (`/usr/bin/time -f %M`) when it is installed: Linux keeps a forked child's
    high-water mark across exec, so `ru_maxrss` of a child forked straight from this Python
    process would never read below this process's own size; under /usr/bin/time the tool
    is forked from a small process. Output goes to temporary files, so a chatty tool never
    blocks on a full pipe. A return code outside `ok` raises RuntimeError.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
    ):
        argv = list(cmd)
        if GNU_TIME:
            argv = [GNU_TIME, "-f", "%M", "-o", rss.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        max_rss = int(usage.ru_maxrss)
        if GNU_TIME:
            lines = [ln for ln in rss.read().split() if ln.isdigit()]
            max_rss = int(lines[-1]) if lines else max_rss
        out.seek(0)
        err.seek(0)
        result = Run(
            seconds, usage.ru_utime + usage.ru_stime, max_rss, proc.returncode, out.read(), err.read()
        )
    if result.returncode not in ok:
        tail = result.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(cmd)!r} exited {result.returncode}:\n{tail}")
    return result


def shell(
    script: str, *, cwd: Path | None = None, env: Mapping[str, str] | None = None, ok: Sequence[int] = (0,)
) -> Run:
    """Run a bash pipeline (with pipefail off: the last command's status counts)."""
    return run(["bash", "-c", script], cwd=cwd, env=env, ok=ok)


@dataclass
class Measurement:
    """Repeated runs of one command: wall and CPU seconds of each, the peak RSS of all."""

    name: str
    command: str
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    max_rss_kib: int = 0
    returncode: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else 0.0

    @property
    def runs(self) -> int:
        return len(self.seconds)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            median=self.median,
            min=min(self.seconds),
            max=max(self.seconds),
            cpu_median=self.cpu_median,
            runs=self.runs,
            max_rss_mib=round(self.max_rss_kib / 1024, 1),
        )
        return data


def measure(
    name: str,
    cmd: Sequence[str],
    *,
    repeats: int,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    ok: Sequence[int] = (0,),
    warmup: bool = True,
    max_runs: int | None = None,
    display: str | None = None,
) -> tuple[Measurement, Run]:
    """Median-ready timings of `cmd`, plus its last run (for the output).

    One untimed warm-up run fills the page cache (skipped with warmup=False, e.g. for runs
    of minutes). When a run takes over 10 s, three runs are enough; `max_runs` caps the
    count for tools measured once on purpose.
    """
    if warmup:
        run(cmd, cwd=cwd, env=env, ok=ok)
    m = Measurement(name, display or " ".join(cmd))
    last: Run | None = None
    target = repeats
    while m.runs < target:
        last = run(cmd, cwd=cwd, env=env, ok=ok)
        m.seconds.append(last.seconds)
        m.cpu_seconds.append(last.cpu_seconds)
        m.max_rss_kib = max(m.max_rss_kib, last.max_rss_kib)
        m.returncode = last.returncode
        if m.runs == 1 and last.seconds > LONG_RUN_SECONDS:
            target = min(target, 3)
        if max_runs is not None:
            target = min(target, max_runs)
    assert last is not None
    return m, last


def si_env(state_root: Path) -> dict[str, str]:
    """The environment for `si`: a private state root, no colour, no pager.

    Bytecode is written and read as after a `pip install`: PYTHONDONTWRITEBYTECODE is
    dropped, and `compile_bytecode()` compiles every tool's modules before timing.
    """
    state_root.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(SI_PAAS_STATE_ROOT=str(state_root), NO_COLOR="1")
    return env


def compile_bytecode() -> None:
    """Compile si_paas and the venv's site-packages, as pip does when it installs them.

    Without .pyc files every Python tool compiles its modules on each start; that start-up
    cost is not what a user's installed tool pays.
    """
    import sysconfig

    import si_paas

    targets = [str(Path(si_paas.__file__).parent), sysconfig.get_paths()["purelib"]]
    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", *targets],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )


def measure_interleaved(
    commands: Sequence[tuple[str, Sequence[str], Mapping[str, str], Sequence[int]]],
    *,
    repeats: int,
    cwd: Path | None = None,
    warmup: bool = True,
) -> list[Measurement]:
    """Time several short commands in rounds (A, B, C, A, B, C, ...).

    For commands of a few hundred milliseconds, a shared machine's slow spells last longer
    than one command's runs; in rounds each spell falls on every command alike.
    """
    found = [Measurement(name, " ".join(cmd)) for name, cmd, _, _ in commands]
    if warmup:
        for _, cmd, env, ok in commands:
            run(cmd, cwd=cwd, env=env, ok=ok)
    for _ in range(repeats):
        for m, (_, cmd, env, ok) in zip(found, commands, strict=True):
            last = run(cmd, cwd=cwd, env=env, ok=ok)
            m.seconds.append(last.seconds)
            m.cpu_seconds.append(last.cpu_seconds)
            m.max_rss_kib = max(m.max_rss_kib, last.max_rss_kib)
            m.returncode = last.returncode
    return found


def _first_line(cmd: Sequence[str]) -> str:
    try:
        out = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    except OSError:
        return "not installed"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS, Python and the versions of every compared tool."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "si_paas": version("si-paas"),
        "detect_secrets": _first_line([DETECT_SECRETS, "--version"]),
        "ripgrep": _first_line([RG, "--version"]),
        "git": _first_line(["git", "--version"]),
        "load_average_at_start": load_average(),
        **code_state(),
    }


def code_state() -> dict[str, Any]:
    """The commit of this checkout and the package files changed on top of it (read-only)."""

    def git_out(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = git_out("status", "--porcelain", "--", "si_paas", "rules", "policies", "schemas")
    return {
        "commit": git_out("rev-parse", "--short", "HEAD") or "unknown",
        "uncommitted": [line[3:] for line in changed.splitlines()],
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (other work on the machine skews wall times)."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_line(info: Mapping[str, Any]) -> str:
    code = f"commit {info.get('commit', 'unknown')}"
    if info.get("uncommitted"):
        code += f" + {len(info['uncommitted'])} changed package files"
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, {info['os']}; "
        f"Python {info['python']}; si-paas {info['si_paas']} ({code}); detect-secrets "
        f"{info['detect_secrets']}; {info['ripgrep']}; {info['git']}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A Markdown table; `align` is one letter per column (l or r), default: first left."""
    align = align or "l" + "r" * (len(headers) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def secs(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def write_json(name: str, quick: bool, data: Mapping[str, Any]) -> Path:
    """bench/out/NAME.json (NAME-quick.json in quick mode)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def tree_stats(root: Path, max_size: int = 1024 * 1024) -> dict[str, int]:
    """Files and bytes under `root` (outside .git), and how many are under the size cap."""
    files = size = small = small_bytes = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            n = os.path.getsize(path)
            files += 1
            size += n
            if n <= max_size:
                small += 1
                small_bytes += n
    return {"files": files, "bytes": size, "files_under_cap": small, "bytes_under_cap": small_bytes}


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """A git command in `repo` with a fixed identity; its stdout."""
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
    )
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, env=env, capture_output=True, check=True
    ).stdout


def findings_of(stdout: bytes) -> int:
    """Findings count of a `si paas ... --json` report."""
    doc = json.loads(stdout)
    return int(doc["summary"]["findings"])


# ------------------------------------------------------------------ ripgrep patterns

_LOOKAROUND = ("(?<!", "(?<=", "(?=", "(?!")


def _group_end(src: str, start: int) -> int:
    """Index just past the group opening at `start` (balanced, aware of escapes and classes)."""
    depth, i, in_class = 0, start, False
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if src[i + 1 : i + 2] == "^":
                i += 1
            if src[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced group")


def _named_groups(src: str) -> dict[str, str]:
    """The body of every `(?P<name>...)` group of a pattern."""
    bodies: dict[str, str] = {}
    for m in re.finditer(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>", src):
        end = _group_end(src, m.start())
        bodies[m.group(1)] = src[m.end() : end - 1]
    return bodies


def python_to_rust(src: str) -> tuple[str, list[str]]:
    """A Rust-regex (ripgrep) form of a Python regex, and what had to be changed.

    Lookarounds are dropped and a named back-reference `(?P=q)` becomes the body of group
    `q` (either way the pattern then matches a superset), `(?P<name>` becomes `(`, `{,n}`
    becomes `{0,n}`, `\\Z` becomes `\\z`, and `[ & ~ -` inside classes are escaped. A
    numbered back-reference raises ValueError: Rust regex has no equivalent.
    """
    groups = _named_groups(src)
    out: list[str] = []
    changes: set[str] = set()
    i, in_class = 0, False
    while i < len(src):
        c = src[i]
        if c == "\\":
            nxt = src[i + 1 : i + 2]
            if nxt.isdigit() and nxt != "0" and not in_class:
                raise ValueError("back-reference")
            if nxt == "Z":
                out.append("\\z")
                changes.add("\\Z")
            else:
                out.append(src[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
                out.append(c)
            elif c in "[&~":
                out.append("\\" + c)
            elif c == "-" and src[i + 1 : i + 2] == "-":
                out.append("\\-")
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if src[i : i + 1] == "^":
                out.append("^")
                i += 1
            if src[i : i + 1] == "]":
                out.append("\\]")
                i += 1
            continue
        if src.startswith(_LOOKAROUND, i):
            i = _group_end(src, i)
            changes.add("lookaround")
            continue
        if src.startswith("(?P=", i):
            end = src.index(")", i)
            body, _ = python_to_rust(groups[src[i + 4 : end]])
            out.append(f"(?:{body})")
            i = end + 1
            changes.add("back-reference")
            continue
        if src.startswith("(?P<", i):
            i = src.index(">", i) + 1
            out.append("(")
            changes.add("named group")
            continue
        if src.startswith("(?#", i):
            i = src.index(")", i) + 1
            continue
        if src.startswith("{,", i):
            out.append("{0,")
            i += 2
            changes.add("{,n}")
            continue
        out.append(c)
        i += 1
    return "".join(out), sorted(changes)


_FIRST_LINE_BREAK = re.compile(r"\(\?:\\\\\[rn\]\|\\s\)|\\r\?\\n")


def first_line_part(src: str) -> str:
    """A multi-line rule's regex up to where it first needs a line break (grep is per line)."""
    m = _FIRST_LINE_BREAK.search(src)
    return src[: m.start()] if m else src


@dataclass
class PatternSet:
    """The secret rules' regexes written as ripgrep pattern files."""

    rust_file: Path
    pcre_file: Path
    rules: int
    rust_used: int
    pcre_used: int
    reduced_multiline: list[str]
    translated: dict[str, list[str]]
    skipped_rust: dict[str, str]
    skipped_pcre: dict[str, str]

    def summary(self) -> str:
        return (
            f"{self.rust_used}/{self.rules} rules in Rust-regex form "
            f"({len(self.translated)} translated: lookarounds dropped, named groups "
            f"unnamed), {self.pcre_used}/{self.rules} verbatim under PCRE2; "
            f"{len(self.reduced_multiline)} multi-line rules cut to their first line"
        )


def _rg_accepts(pattern: str, pcre: bool) -> str | None:
    cmd = [RG, "--no-config", "-q", "--regex-size-limit", "1G", "--dfa-size-limit", "1G"]
    if pcre:
        cmd.append("-P")
    proc = subprocess.run([*cmd, "-e", pattern, "-"], input=b"", capture_output=True, check=False)
    if proc.returncode in (0, 1):
        return None
    return proc.stderr.decode(errors="replace").strip().splitlines()[-1] if proc.stderr else "error"


def write_patterns(dest: Path) -> PatternSet:
    """Extract every rule's regex from rules/secrets.yaml and write rg pattern files in `dest`.

    The pack is read with the scanner's own loader, so `{{fragment}}` references are
    expanded exactly as the scanner sees them.
    """
    sys.path.insert(0, str(ROOT))
    from si_paas.detect.rulepack import load_secret_rules

    pack = load_secret_rules(ROOT / "rules" / "secrets.yaml")
    dest.mkdir(parents=True, exist_ok=True)
    rust: list[str] = []
    pcre: list[str] = []
    reduced: list[str] = []
    translated: dict[str, list[str]] = {}
    skipped_rust: dict[str, str] = {}
    skipped_pcre: dict[str, str] = {}
    for rule in pack.rules:
        src = rule.regex.pattern
        if rule.multiline:
            src = first_line_part(src)
            reduced.append(rule.id)
        if rule.regex.flags & re.IGNORECASE:
            src = "(?i)" + src
        # rg -P joins the patterns into one: group names must be unique across rules.
        unique = re.sub(r"\(\?P([<=])", rf"(?P\g<1>r{len(pcre) + len(skipped_pcre)}_", src)
        why = _rg_accepts(unique, pcre=True)
        if why is None:
            pcre.append(unique)
        else:
            skipped_pcre[rule.id] = why
        try:
            converted, changes = python_to_rust(src)
        except ValueError as exc:
            skipped_rust[rule.id] = str(exc)
            continue
        why = _rg_accepts(converted, pcre=False)
        if why is not None:
            skipped_rust[rule.id] = why
            continue
        if changes:
            translated[rule.id] = changes
        rust.append(converted)
    rust_file, pcre_file = dest / "patterns.txt", dest / "patterns-pcre2.txt"
    rust_file.write_text("\n".join(rust) + "\n", encoding="utf-8")
    pcre_file.write_text("\n".join(pcre) + "\n", encoding="utf-8")
    return PatternSet(
        rust_file,
        pcre_file,
        len(pack.rules),
        len(rust),
        len(pcre),
        reduced,
        translated,
        skipped_rust,
        skipped_pcre,
    )


RG_FLAGS = [
    "--no-config",
    "--hidden",
    "--no-ignore",
    "--no-messages",
    "--max-filesize",
    "1M",
    "--regex-size-limit",
    "1G",
    "--dfa-size-limit",
    "1G",
]


def rg_count_total(stdout: bytes) -> int:
    """Sum of `rg -c` per-file counts (lines `path:N`, or a bare `N` for stdin)."""
    total = 0
    for line in stdout.decode(errors="replace").splitlines():
        tail = line.rsplit(":", 1)[-1]
        if tail.isdigit():
            total += int(tail)
    return total


def detect_secrets_total(stdout: bytes) -> int:
    """Number of results in a detect-secrets baseline."""
    doc = json.loads(stdout)
    return sum(len(v) for v in doc.get("results", {}).values())


def import_breakdown(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path, runs: int = 5, ok: Sequence[int] = (0,)
) -> dict[str, Any]:
    """`python -X importtime ARGS` `runs` times: median total of the self times (ms), and the
    median self time per top-level package (every module `a.b.c` counts for `a`)."""
    totals: list[float] = []
    per_package: dict[str, list[float]] = {}
    per_module: dict[str, list[float]] = {}
    for _ in range(runs):
        done = run([PYTHON, "-X", "importtime", *args], cwd=cwd, env=env, ok=ok)
        total = 0.0
        this_run: dict[str, float] = {}
        for line in done.stderr.decode(errors="replace").splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _cum, name = line[len("import time:") :].split("|", 2)
            ms = int(self_us) / 1000
            total += ms
            package = name.strip().split(".", 1)[0]
            this_run[package] = this_run.get(package, 0.0) + ms
            per_module.setdefault(name.strip(), []).append(ms)
        totals.append(total)
        for package, ms in this_run.items():
            per_package.setdefault(package, []).append(ms)
    packages = sorted(
        ((p, statistics.median(v + [0.0] * (runs - len(v)))) for p, v in per_package.items()),
        key=lambda kv: kv[1],
        reverse=True,
    )
    modules = sorted(
        ((m, statistics.median(v)) for m, v in per_module.items()), key=lambda kv: kv[1], reverse=True
    )
    return {
        "median_ms": round(statistics.median(totals), 1),
        "runs": runs,
        "module_count": len(per_module),
        "packages": [(p, round(ms, 1)) for p, ms in packages[:12]],
        "modules": [(m, round(ms, 1)) for m, ms in modules[:12]],
    }


def import_line(label: str, data: Mapping[str, Any]) -> str:
    """One sentence: total import time and the heaviest packages."""
    heavy = ", ".join(f"{p} {ms:.0f} ms" for p, ms in data["packages"][:10])
    slow = ", ".join(f"{m} {ms:.1f} ms" for m, ms in data["modules"][:6])
    return (
        f"{label}: {data['median_ms']:.0f} ms of imports, {data['module_count']} modules "
        f"(median of {data['runs']} runs of `python -X importtime`, sum of self times); by "
        f"top-level package: {heavy}; slowest modules: {slow}."
    )
