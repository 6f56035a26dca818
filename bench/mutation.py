"""Mutation testing of the policy logic: how many small code changes the fast tests miss.

    .venv/bin/python bench/mutation.py [--set policy|detect|all] [--module PATH ...]
                                       [--python PY] [--timeout-factor F] [--list] [--json FILE]

No third-party mutation tool: the mutator is this file (the standard library's `ast`), and
it needs nothing beyond the project's dev venv (pytest, as installed by
`python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'`). mutmut 3 rewrites and
copies the whole package and cosmic-ray needs a session database and a worker setup;
both would then run far more tests per mutant than the few files that judge one module.
The interpreter that runs the tests is `--python` or $SI_PAAS_MUTATION_PYTHON (default:
this repository's .venv/bin/python); the script re-runs itself under it.

For each module of the chosen set, every candidate in a function body is changed, one at
a time (module-level tables and decorator arguments are left alone):

* comparisons flipped (`==`/`!=`, `<`/`>=`, `>`/`<=`, `in`/`not in`, `is`/`is not`);
* `and` <-> `or`; `not x` -> `x`; a bare condition (`if found:`) negated; `&` -> `|`;
* a call statement (`findings.append(...)`) dropped; `break` <-> `continue`;
  `return X` -> `return None`;
* `True` <-> `False`; an integer `n` -> `n + 1` (and `0` -> `1`);
* severity strings: critical -> high, high -> critical, medium -> low, low -> medium.

A mutant is judged in a forked child of this process (which has pytest and the heavy
third-party libraries imported, but nothing of si_paas): the child compiles the mutated
source, installs it in `sys.modules` under the module's name and runs the module's own
test subset in-process (`pytest -x -q -n 0 -p no:cacheprovider -p no:timeout`) under a timeout. The
module is never written to disk, so the work tree stays clean and `si` subprocesses are
unaffected (end-to-end tests are therefore not in the subsets). A failing test run
"kills" the mutant; a passing one is a survivor; a timeout counts as killed. Mutants
listed in EQUIVALENT (with why) are reported apart.

Output: one line per surviving mutant (file:line, the change, the source line), then the
count of mutants, killed, equivalent and surviving per module. Not part of CI and not
collected by pytest. Use -n 0 subsets only: the run is CPU-bound on one core.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Module -> the fast test subset that judges it (pytest arguments, from the repository root).
_EXAMPLES = "tests/services/test_policytest.py::test_shipped_policy_examples_hold"
POLICY_SET: dict[str, list[str]] = {
    "si_paas/engine/checks/permissions.py": [
        "tests/engine/test_check_permissions.py",
        "tests/engine/test_evaluate.py",
        f"{_EXAMPLES}[state-permissions]",
    ],
    "si_paas/engine/checks/location.py": [
        "tests/engine/test_check_location.py",
        f"{_EXAMPLES}[state-root-outside-repo]",
        f"{_EXAMPLES}[vault-outside-repo]",
        f"{_EXAMPLES}[escalate-2-internal-vault-in-repo]",
    ],
    "si_paas/engine/checks/cross_context.py": [
        "tests/engine/test_check_cross_context.py",
        "tests/engine/test_check_public_safe.py",
        f"{_EXAMPLES}[no-cross-context-data]",
    ],
    "si_paas/engine/checks/public_safe.py": [
        "tests/engine/test_check_public_safe.py",
        f"{_EXAMPLES}[oss-demo-public-safe]",
    ],
    "si_paas/engine/checks/private_state.py": [
        "tests/engine/test_check_private_state.py",
        f"{_EXAMPLES}[no-repo-private-state]",
        f"{_EXAMPLES}[escalate-1-repo-exposure]",
    ],
    "si_paas/engine/checks/integrity.py": [
        "tests/engine/test_check_integrity.py",
        f"{_EXAMPLES}[state-records-intact]",
    ],
    "si_paas/engine/checks/backup.py": [
        "tests/engine/test_check_backup.py",
        f"{_EXAMPLES}[backup-outside-repo]",
        f"{_EXAMPLES}[backup-latest-verifies]",
        f"{_EXAMPLES}[escalate-4-backup-checksum]",
    ],
    "si_paas/engine/evaluate.py": ["tests/engine/test_evaluate.py", "tests/engine/test_verdict.py"],
    "si_paas/engine/verdict.py": ["tests/engine/test_verdict.py", "tests/engine/test_evaluate.py"],
    "si_paas/services/gate.py": ["tests/services/test_gate.py"],
}
DETECT_SET: dict[str, list[str]] = {
    "si_paas/detect/private_state.py": [
        "tests/detect/test_detect_private_state.py",
        "tests/services/test_rulestest.py",
        "-k",
        "not end_to_end",
    ],
    "si_paas/detect/redact.py": ["tests/detect/test_detect_redact.py"],
    "si_paas/detect/lines.py": ["tests/detect/test_detect_lines.py"],
    "si_paas/detect/baseline.py": ["tests/detect/test_detect_baseline.py"],
}
SETS = {"policy": POLICY_SET, "detect": DETECT_SET, "all": {**POLICY_SET, **DETECT_SET}}

# (module, stripped source line, change) -> why the mutant cannot change behaviour.
EQUIVALENT: dict[tuple[str, str, str], str] = {}

_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SEVERITY = {"critical": "high", "high": "critical", "medium": "low", "low": "medium"}
_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.GtE: ">=",
    ast.Gt: ">",
    ast.LtE: "<=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int
    line: int
    change: str
    source: str


@dataclass
class ModuleResult:
    module: str
    mutants: int = 0
    killed: int = 0
    timeouts: int = 0
    equivalent: int = 0
    survived: list[Mutant] = field(default_factory=list)
    baseline_seconds: float = 0.0
    seconds: float = 0.0


def _skipped(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, decorators, f-string parts."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                mark(deco)
            mark(node.returns)
            for arg in [
                *node.args.args,
                *node.args.kwonlyargs,
                *node.args.posonlyargs,
                node.args.vararg,
                node.args.kwarg,
            ]:
                if arg is not None:
                    mark(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.JoinedStr):
            mark(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
    return skip


def _in_functions(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node inside a function body, in a fixed order."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in node.body:
                yield from ast.walk(stmt)


def _candidates(tree: ast.Module) -> Iterator[tuple[ast.AST, int, str]]:
    """(node, sub-position, change) of every mutation point, in a fixed order."""
    skip = _skipped(tree)
    seen: set[int] = set()
    for node in _in_functions(tree):
        if id(node) in skip or id(node) in seen:
            continue
        seen.add(id(node))  # nested functions are walked twice
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _FLIP:
                    yield node, i, f"{_OPS[type(op)]} -> {_OPS[_FLIP[type(op)]]}"
        elif isinstance(node, ast.BoolOp):
            yield node, 0, "and -> or" if isinstance(node.op, ast.And) else "or -> and"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, 0, "drop not"
        elif isinstance(node, ast.If | ast.IfExp | ast.While) and isinstance(
            node.test, ast.Name | ast.Attribute | ast.Call | ast.Subscript | ast.NamedExpr
        ):
            yield node, 0, "negate condition"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            yield node, 0, "& -> |"
        elif isinstance(node, ast.Break | ast.Continue):
            yield node, 0, "break -> continue" if isinstance(node, ast.Break) else ("continue -> break")
        elif (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            yield node, 0, "return None"
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield node, 0, "drop call"
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                yield node, 0, f"{value} -> {not value}"
            elif isinstance(value, int):
                yield node, 0, f"{value} -> {value + 1}"
            elif isinstance(value, str) and value in _SEVERITY:
                yield node, 0, f"{value!r} -> {_SEVERITY[value]!r}"


def _apply(node: ast.AST, pos: int) -> None:
    if isinstance(node, ast.If | ast.IfExp | ast.While):
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif isinstance(node, ast.BinOp):
        node.op = ast.BitOr()
    elif isinstance(node, ast.Return):
        node.value = ast.Constant(value=None)
    elif isinstance(node, ast.Compare):
        node.ops[pos] = _FLIP[type(node.ops[pos])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            node.value = not value
        elif isinstance(value, int):
            node.value = value + 1
        else:
            node.value = _SEVERITY[value]


class _Replace(ast.NodeTransformer):
    """Replace one node: `not x` by `x`, a call statement by `pass`, break by continue."""

    def __init__(self, target: ast.AST) -> None:
        self.target = target

    def visit(self, node: ast.AST) -> ast.AST:
        node = self.generic_visit(node)
        if node is not self.target:
            return node
        if isinstance(node, ast.UnaryOp):
            return node.operand
        if isinstance(node, ast.Break):
            return ast.Continue()
        if isinstance(node, ast.Continue):
            return ast.Break()
        return ast.Pass()


def mutants_of(module: str) -> list[Mutant]:
    """Every mutant of `module` (a path from the repository root)."""
    text = (ROOT / module).read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    return [
        Mutant(module, i, getattr(node, "lineno", 0), change, lines[getattr(node, "lineno", 1) - 1].strip())
        for i, (node, _, change) in enumerate(_candidates(tree))
    ]


def mutated_source(module: str, index: int) -> str:
    """The source of `module` with mutant number `index` applied."""
    tree = ast.parse((ROOT / module).read_text())
    for i, (node, pos, change) in enumerate(_candidates(tree)):
        if i == index:
            if change in ("drop not", "drop call", "break -> continue", "continue -> break"):
                tree = _Replace(node).visit(tree)
            else:
                _apply(node, pos)
            return ast.unparse(ast.fix_missing_locations(tree))
    raise IndexError(index)


def _module_name(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def _child(module: str, source: str | None, tests: list[str], timeout: float) -> None:
    """In a forked child: install the mutant, run the tests, exit with pytest's code."""
    signal.alarm(max(1, int(timeout)))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        if source is not None:
            import importlib
            import importlib.util

            name = _module_name(module)
            parent, _, leaf = name.rpartition(".")
            package = importlib.import_module(parent)
            spec = importlib.util.spec_from_file_location(name, ROOT / module)
            assert spec is not None
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            exec(compile(source, str(ROOT / module), "exec"), mod.__dict__)  # noqa: S102
            setattr(package, leaf, mod)
        import pytest

        # pytest-timeout would take SIGALRM over: the alarm above is the limit instead.
        code = pytest.main(["-x", "-q", "-n", "0", "-p", "no:cacheprovider", "-p", "no:timeout", *tests])
        os._exit(int(code))
    except BaseException:  # a mutant that cannot even load is killed
        os._exit(99)


def run_one(module: str, source: str | None, tests: list[str], timeout: float) -> tuple[int, float]:
    """(exit code, seconds) of the tests against `source` (None: the module as it is)."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(module, source, tests, timeout)
    while True:  # the child's alarm is the limit; this is the backstop
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout + 30:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -signal.SIGALRM, time.monotonic() - start
        time.sleep(0.02)
    seconds = time.monotonic() - start
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status), seconds
    return os.WEXITSTATUS(status), seconds


def run_module(module: str, tests: list[str], factor: float, verbose: bool) -> ModuleResult:
    result = ModuleResult(module)
    code, base = run_one(module, None, tests, 600)
    if code != 0:
        raise SystemExit(f"{module}: its tests fail without a mutant (exit {code}): {' '.join(tests)}")
    result.baseline_seconds = base
    timeout = base * factor + 5
    start = time.monotonic()
    for m in mutants_of(module):
        result.mutants += 1
        why = EQUIVALENT.get((module, m.source, m.change))
        if why is not None:
            result.equivalent += 1
            continue
        code, _ = run_one(module, mutated_source(module, m.index), tests, timeout)
        if code == 0:
            result.survived.append(m)
            print(f"SURVIVED {m.module}:{m.line}: {m.change}    {m.source}", flush=True)
        else:
            result.killed += 1
            result.timeouts += code == -signal.SIGALRM
            if verbose:
                print(f"killed   {m.module}:{m.line}: {m.change} (exit {code})", flush=True)
    result.seconds = time.monotonic() - start
    return result


def _preload() -> None:
    """Import what every child needs but must not be mutated, once, before forking."""
    import cerberus  # noqa: F401
    import hypothesis  # noqa: F401
    import jsonschema  # noqa: F401
    import pytest  # noqa: F401
    import yaml  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--set",
        choices=sorted(SETS),
        default="policy",
        help="which modules (default: policy, the checks behind the doctor's "
        "state policies, evaluate, verdict and the gate)",
    )
    ap.add_argument(
        "--module",
        action="append",
        default=[],
        help="only this module of the set (repeatable), e.g. si_paas/engine/checks/permissions.py",
    )
    ap.add_argument(
        "--timeout-factor",
        type=float,
        default=4.0,
        help="a mutant's time limit is the clean run's time times this, plus 5 s",
    )
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="print killed mutants too")
    ap.add_argument(
        "--python",
        default=os.environ.get("SI_PAAS_MUTATION_PYTHON"),
        help="interpreter with si_paas and its dev extras installed "
        "(default: $SI_PAAS_MUTATION_PYTHON, else .venv/bin/python)",
    )
    args = ap.parse_args(argv)
    python = Path(args.python or ROOT / ".venv" / "bin" / "python")
    if not python.exists():
        ap.error(
            f"--python {str(python)!r}: not found; make the venv with "
            "`python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'`"
        )
    if python.absolute() != Path(sys.executable).absolute():
        os.execv(
            str(python),
            [str(python), __file__, *(argv if argv is not None else sys.argv[1:]), "--python", str(python)],
        )
    try:
        import pytest  # noqa: F401
    except ImportError:
        ap.error(f"{sys.executable} has no pytest: install the dev extras (`pip install -e '.[dev]'`)")
    chosen = SETS[args.set]
    if args.module:
        unknown = [m for m in args.module if m not in chosen]
        if unknown:
            ap.error(f"--module {unknown[0]!r} is not in --set {args.set}: {', '.join(sorted(chosen))}")
        chosen = {m: chosen[m] for m in args.module}
    if args.list:
        for module in chosen:
            for m in mutants_of(module):
                print(f"{m.module}:{m.line}: #{m.index} {m.change}    {m.source}")
        return 0
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    _preload()
    results = []
    cpu0 = os.times()
    for module, tests in chosen.items():
        results.append(run_module(module, tests, args.timeout_factor, args.verbose))
    cpu = os.times()
    print()
    print(f"{'module':44} {'mutants':>7} {'killed':>6} {'equiv':>5} {'survived':>8} {'time':>7}")
    for r in results:
        print(
            f"{r.module:44} {r.mutants:7} {r.killed:6} {r.equivalent:5} {len(r.survived):8} {r.seconds:6.0f}s"
        )
    total = sum(len(r.survived) for r in results)
    child_cpu = (cpu.children_user + cpu.children_system) - (cpu0.children_user + cpu0.children_system)
    print(
        f"total: {sum(r.mutants for r in results)} mutants, {total} survived; "
        f"CPU {child_cpu:.0f} s in test runs"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [{**asdict(r), "survived": [asdict(m) for m in r.survived]} for r in results], indent=2
            )
            + "\n"
        )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
