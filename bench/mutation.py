"""Mutation testing of the policy logic and the detectors: how many small code changes the
fast tests miss.

    .venv/bin/python bench/mutation.py [--set policy|detect|engine|all] [--module PATH ...]
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
listed in EQUIVALENT (with why, keyed by module, source line and change) are reported
apart.

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
from dataclasses import asdict, dataclass, field, replace
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
        "tests/detect/test_detect_private_state_units.py",
        "tests/detect/test_detect_private_state.py",
        "tests/services/test_rulestest.py",
        "-k",
        "not end_to_end",
    ],
    "si_paas/detect/redact.py": [
        "tests/detect/test_detect_redact_units.py",
        "tests/detect/test_detect_redact.py",
        "tests/detect/test_redact_repeats_backends.py",
    ],
    "si_paas/detect/lines.py": [
        "tests/detect/test_detect_lines_units.py",
        "tests/detect/test_detect_lines.py",
    ],
    "si_paas/detect/baseline.py": [
        "tests/detect/test_detect_redact_units.py",
        "tests/detect/test_detect_baseline.py",
    ],
    "si_paas/detect/filters.py": [
        "tests/detect/test_detect_filter_units.py",
        "tests/detect/test_detect_filters.py",
        "tests/detect/test_detect_scanner.py",
    ],
    "si_paas/detect/scanner.py": [
        "tests/detect/test_detect_scanner_units.py",
        "tests/detect/test_detect_scanner.py",
        "tests/detect/test_detect_filters.py",
        "tests/detect/test_detect_lines.py",
        "tests/detect/test_detect_baseline.py",
        "tests/detect/test_redact_repeats_backends.py",
        "tests/detect/test_chunked_scan.py",
        "-k",
        "not bounded_memory",
    ],
    "si_paas/detect/matcher.py": ["tests/detect/test_detect_matcher_units.py"],
    "si_paas/detect/ahomatch.py": [
        "tests/detect/test_detect_matcher_units.py",
        "tests/detect/test_matcher_differential.py",
        "tests/detect/test_detect_lines.py",
        "tests/detect/test_redact_repeats_backends.py",
    ],
    "si_paas/detect/prefilter.py": [
        "tests/detect/test_detect_prefilter_units.py",
        "tests/detect/test_path_screens.py",
    ],
    "si_paas/detect/chunks.py": [
        "tests/detect/test_detect_chunk_units.py",
        "tests/detect/test_chunked_scan.py",
        "-k",
        "not bounded_memory",
    ],
    "si_paas/detect/state_content.py": [
        "tests/detect/test_detect_state_content.py",
        "tests/detect/test_detect_private_state.py",
        "tests/detect/test_detect_examples.py",
    ],
    "si_paas/detect/redos.py": [
        "tests/detect/test_detect_redos_units.py",
        "tests/detect/test_detect_redos.py::test_exponential_shapes",
        "tests/detect/test_detect_redos.py::test_safe_shapes",
        "tests/detect/test_detect_redos.py::test_what_is_refused_really_is_slow",
    ],
    "si_paas/detect/rulepack.py": [
        "tests/detect/test_detect_rulepack_units.py",
        "tests/detect/test_detect_rulepack.py",
        "tests/detect/test_detect_examples.py",
    ],
    "si_paas/detect/packfile.py": [
        "tests/detect/test_detect_rulepack_units.py",
        "tests/detect/test_detect_private_state_units.py",
        "tests/detect/test_detect_rulepack.py",
        "tests/detect/test_path_screens.py",
    ],
    "si_paas/detect/hsmatch.py": [
        "tests/detect/test_detect_matcher_units.py",
        "tests/detect/test_matcher_differential.py",
        "tests/detect/test_redact_repeats_backends.py",
    ],
    "si_paas/engine/checks/secrets.py": [
        "tests/engine/test_check_secrets.py",
        "tests/engine/test_snapshot_build.py",
    ],
}
# The rest of engine/: the judged-blob and state-verdict caches, the forked workers, the
# registry and policy loading, and the checklist, deploy and escalation check kinds.
ENGINE_SET: dict[str, list[str]] = {
    "si_paas/engine/judged.py": ["tests/engine/test_check_secrets.py", "tests/engine/test_judged_cache.py"],
    "si_paas/engine/stateverdicts.py": [
        "tests/engine/test_check_private_state.py",
        "tests/engine/test_state_verdicts.py",
    ],
    "si_paas/engine/parallel.py": [
        "tests/engine/test_shared_read.py",
        "tests/engine/test_check_secrets.py",
        "tests/engine/test_parallel_units.py",
    ],
    "si_paas/engine/registry.py": [
        "tests/engine/test_registry_units.py",
        "tests/engine/test_registry.py",
        "tests/engine/test_policy_load.py",
    ],
    "si_paas/engine/policy.py": [
        "tests/engine/test_policy_set.py",
        "tests/engine/test_policy_load.py",
        "tests/engine/test_policy_examples_paths.py",
    ],
    "si_paas/engine/checks/checklist.py": [
        "tests/engine/test_check_checklist.py",
        _EXAMPLES,
        "-k",
        "checklist",
    ],
    "si_paas/engine/checks/deploy.py": [
        "tests/engine/test_check_deploy.py",
        _EXAMPLES,
        "-k",
        "deploy or rollback",
    ],
    "si_paas/engine/checks/escalation.py": [
        "tests/engine/test_check_escalation.py",
        _EXAMPLES,
        "-k",
        "escalate or escalation",
    ],
}
SETS = {
    "policy": POLICY_SET,
    "detect": DETECT_SET,
    "engine": ENGINE_SET,
    "all": {**POLICY_SET, **DETECT_SET, **ENGINE_SET},
}

# (module, stripped source line, change) -> why the mutant cannot change behaviour. Where the
# same line occurs more than once, write it `function: line`, or `function#n: line` for the
# n-th such line of that function; where one change occurs twice on a line, `change #n`.
_AC = "si_paas/detect/ahomatch.py"
_CH = "si_paas/detect/chunks.py"
_FI = "si_paas/detect/filters.py"
_LN = "si_paas/detect/lines.py"
_CACHE = (
    "only whether a line start is remembered: one not remembered is found again, the same, "
    "when asked for (callers pass offsets on the line they name)"
)
_LINE_0 = "line 0 is remembered from the start, so this branch never sees it"
_HS = "si_paas/detect/hsmatch.py"
_BOUND = "a memory bound on the per-name cache: when it is emptied changes only what is worked out again"
_PF = "si_paas/detect/prefilter.py"
_PS = "si_paas/detect/private_state.py"
_RD = "si_paas/detect/redos.py"
_SC = "si_paas/detect/state_content.py"
_RP = "si_paas/detect/rulepack.py"
_SN = "si_paas/detect/scanner.py"
_SE = "si_paas/engine/checks/secrets.py"
_PO = "si_paas/engine/policy.py"
_JB = "si_paas/engine/judged.py"
_SV = "si_paas/engine/stateverdicts.py"
_PA = "si_paas/engine/parallel.py"
_ADDED = "`added` is only tested for being zero (save): nothing reads the count"
_NAME_LENGTH = (
    "only the length of the file's name: a longer prefix of the digest names it as well, "
    "nothing else reads the name, and save drops the older files by suffix whatever their name"
)
_ZIP = "`answers` is made from `files`, one per file: the two are never of unequal length"
_SORTED = (
    "the findings are already in (line, column, rule) order: accepted hits never overlap and "
    "are kept sorted by start, and chunks are visited in file order"
)
_CHUNKED = (
    "which files take the chunked path: it gives the whole-file findings by design "
    "(tests/detect/test_chunked_scan.py), only memory differs"
)
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (_JB, 'name = hashlib.sha256(stamp.encode()).hexdigest()[:32] + ".json"', "32 -> 33"): _NAME_LENGTH,
    (_JB, "self.added += 1", "1 -> 2"): _ADDED,
    (
        _JB,
        'diskcache.write_entry(self.folder, self.name, text.encode("utf-8"), prune=False)',
        "False -> True",
    ): (
        "pruning acts only past 256 .json and .bin entries: a repository's folder holds no .bin "
        "and one judged .json once save has dropped the others, which it does right after"
    ),
    (_SV, "return digest.hexdigest()[:32]", "32 -> 33"): _NAME_LENGTH,
    (_SV, "self.added += 1", "1 -> 2"): _ADDED,
    (_SV, "if self.folder is not None and self.verdicts.get(blob, 0) != verdict:", "0 -> 1"): (
        "the default only has to differ from every verdict (None or a pair): 1 does as 0 does"
    ),
    (_PA, 'repo.__dict__["workers"] = max(procs, repo.__dict__.get("workers", 0))', "0 -> 1"): (
        "procs is at least 1 (workers_for never gives less), so max(procs, 1) is max(procs, 0)"
    ),
    (
        _PA,
        "for chunk, (results, skipped, heads) in zip(chunks, pool.imap(_run_chunk, chunks), strict=True):",
        "True -> False",
    ): "pool.imap yields one result per chunk: the two are never of unequal length",
    (_AC, "line, line_end = -1, -1", "1 -> 2"): (
        "any negative start works: the first hit begins at 0 or later and sets both"
    ),
    (_AC, "begin = end - length + 1", "1 -> 2"): (
        "one past a keyword's first character is still inside the keyword, on its line, and "
        "no keyword starts at a newline, so the line and the same-line test are unchanged"
    ),
    (_AC, "if line_end == -1:", "1 -> 2"): (
        "on the last line, without a newline, line_end stays -1: the next hit on it looks "
        "its line up again and finds the same one (slower, same answer)"
    ),
    (_CH, "piece = os.pread(self._fd, min(stop - at, _BLOCK * 16), at)", "16 -> 17"): (
        "only the size of one read: the loop reads on until the slice is whole"
    ),
    (_FI, "if not pieces or all(p.isdigit() for p in pieces):", "or -> and"): (
        "pieces of digits only leave no letter, so the digit test that follows refuses the "
        "value anyway (it starts with `_` or `$`, never with the letters that test needs)"
    ),
    (_FI, "if max(_runs(value), default=0) * 5 >= len(value) * 4:", "0 -> 1"): (
        "_runs always returns at least one run: the default is never used"
    ),
    (_FI, "for unit in range(1, min(8, len(value) // 3) + 1):", "1 -> 2 #1"): (
        "a value of six or more characters that repeats one character also repeats two, and "
        "the loop then still tries a unit of two"
    ),
    (_FI, "if value == (value[:unit] * (len(value) // unit + 1))[: len(value)]:", "1 -> 2"): (
        "the repeated unit is cut to the value's length: one more copy changes nothing"
    ),
    (_HS, "ids=[0],", "0 -> 1"): ("the trial database only shows whether Hyperscan takes the pattern"),
    (_HS, "return (self._screen is None or self._screen.search(path) is not None) and (", "and -> or"): (
        "a quick screen: when it lets a path through, each path-bound rule's own pattern is "
        "then tried, so a looser screen only does more work"
    ),
    (_HS, "line, at, char_at = 0, 0, 0", "0 -> 1 #3"): (
        "char_at only tells Lines.learn where to look back for the line's start; one more "
        "character is still inside the keyword, before any newline"
    ),
    (_HS, "last = -1", "1 -> 2"): ("any negative value works: match ends are never negative"),
    (_HS, "lines.learn(line, pos)", "drop call"): (
        "learn only saves Lines a search for a line start it finds the same without it"
    ),
    (_HS, "lines.learn(line, char_at)", "drop call"): (
        "learn only saves Lines a search for a line start it finds the same without it"
    ),
    (_HS, "if len(self._by_name) > 4096:", "> -> <="): _BOUND,
    (_HS, "if len(self._by_name) > 4096:", "4096 -> 4097"): _BOUND,
    (_HS, "self._by_name.clear()", "drop call"): _BOUND,
    (_LN, "index#1: if line not in self._starts:", "not in -> in"): _CACHE,
    (_LN, "index#2: if line not in self._starts:", "not in -> in"): _CACHE,
    (_LN, "if index not in self._starts:", "not in -> in"): _CACHE,
    (_LN, "self._starts[line] = table[line - 1] + 1 if line else 0", "0 -> 1"): _LINE_0,
    (_LN, "(table[index - 1] + 1 if index else 0)", "0 -> 1"): _LINE_0,
    (_LN, "offset = table[index - 1] + 1 if index else 0", "0 -> 1"): _LINE_0,
    (_PF, "_trim#5: return items", "return None"): (
        "the loop ran out of items, so `items` is empty: every caller tests it with `not`, "
        "and None is as empty"
    ),
    (_PF, "if av not in _CATEGORY:", "not in -> in"): (
        "re's parser wraps a category outside a set in IN (`\\d` is IN [CATEGORY]): a bare "
        "CATEGORY item never reaches this branch"
    ),
    (_PF, "return _CATEGORY[av]", "return None"): ("the same unreachable branch"),
    (_PF, "_may_match_slash: return False", "return None"): (
        "the only caller negates the answer: `not None` is `not False`"
    ),
    (_PS, "return literal_screen([p.pattern.pattern for p in self.patterns])", "return None"): (
        "no screen: every path goes on to the patterns themselves, which give the same answer"
    ),
    (_RD, "analysis.walk(list(parsed), frozenset(), 1)", "1 -> 2"): (
        "`outer` is only compared with OUTER_MIN (3) and passed on through max(outer, high): "
        "starting at 2 instead of 1 reaches 3 only through a repeat that reaches it itself"
    ),
    (_RD, "return frozenset(_category(av))", "return None"): (
        "re's parser wraps a category outside a set in IN: a bare CATEGORY item never reaches atom"
    ),
    (_RD, "return self.atom(op, av) is None and op is not sre.GROUPREF", "return None"): (
        "the only items left here are atoms and back-references, so the answer is False, and "
        "None is as false to every caller"
    ),
    (_RD, "return self.atom(op, av) is None and op is not sre.GROUPREF", "is not -> is"): (
        "a back-reference called empty changes nothing: its first characters are the whole "
        "sample, so wherever its emptiness would add `follow` to a set, the set is already all"
    ),
    (_RD, "elif op in _REPEATS and av[0] == av[1] and av[0] <= limit:", "0 -> 1 #2"): (
        "av[0] == av[1] was just tested, so av[1] <= limit is the same test"
    ),
    (_RD, "for _ in range(av[0]):", "0 -> 1"): ("only reached when av[0] == av[1]"),
    (_RD, "self.walk(body, inner_follow, runs if high > 1 else outer)", "1 -> 2"): (
        "with high == 2, runs is max(outer, 2): it differs from outer only when outer is 1, "
        "and 2 is still under OUTER_MIN"
    ),
    (
        _RP,
        "return value if isinstance(value, str | int | float | bool | None) else repr(value)",
        "negate condition",
    ): (
        "every rule field left is a scalar, a tuple or a pattern: the digest then hashes the "
        "scalars' reprs, a different but still one-to-one spelling of the same fields, and a "
        "digest is only ever compared with one the same code made"
    ),
    (_RP, 'compile_regex(src, path, f"allow[{i}]")', "drop call"): (
        "_build compiles the same pack-level allow sources with the same `where`, so a bad "
        "one is the same InputError either way"
    ),
    (_RP, "return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()", "True -> False"): (
        "`parts` is lists of lists and scalars, no dicts: sort_keys has nothing to sort"
    ),
    (
        _SN,
        "if len(data) <= chunks.LARGE_FILE_BYTES or data[:4].startswith(_BOM_PREFIXES):",
        "or -> and",
    ): _CHUNKED,
    (
        _SN,
        "if len(data) <= chunks.LARGE_FILE_BYTES or data[:4].startswith(_BOM_PREFIXES):",
        "<= -> >",
    ): _CHUNKED,
    (_SN, "if len(data) <= chunks.LARGE_FILE_BYTES or data[:4].startswith(_BOM_PREFIXES):", "4 -> 5"): (
        "every byte-order mark is four bytes or fewer"
    ),
    (
        _SN,
        "char_at, line_at = 0, 0  # the whole text's offset and line of the chunk's owned start",
        "0 -> 1 #1",
    ): (
        "every character offset of the first pass, and the chunk starts the second pass maps "
        "them back with, shift by the same one"
    ),
    (_SN, "margin = max(chunks.OVERLAP_BYTES, 4 * repeats.longest)  # >= longest form, in chars", "4 -> 5"): (
        "a wider margin only reads more context; four bytes per character already holds the longest form"
    ),
    (
        _SN,
        "_scan_chunks: findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))",
        "drop call",
    ): _SORTED,
    (
        _SN,
        "_scan_chunks: findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))",
        "0 -> 1",
    ): _SORTED,
    (
        _SN,
        "_findings: findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))",
        "drop call",
    ): _SORTED,
    (_SN, "_findings: findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))", "0 -> 1"): _SORTED,
    (_SN, "if not text or not self.rules:", "or -> and"): (
        "empty text or no rules gives no candidate lines, so the next test returns [] anyway"
    ),
    (_SN, "_candidates: break", "break -> continue"): (
        "finditer yields matches in order: once one starts past the keyword's line, every "
        "later one does too, and each is skipped (slower, same answer)"
    ),
    (
        _SN,
        'key = report_key() if emitted else b""  # fetched once for every fingerprint and tag',
        "negate condition",
    ): (
        "fingerprint and redact take an empty key as none and fetch report_key() themselves: "
        "the same key, fetched once per call instead of once per file"
    ),
    (_SN, "lines.learn(first, chars(head))", "drop call"): (
        "learn only saves Lines walking to a line start; it finds the same start by counting newlines"
    ),
    (_SN, "lines.learn(last, chars(owned))", "drop call"): (
        "learn only saves Lines walking to a line start; it finds the same start by counting newlines"
    ),
    (_SN, "first = max(0, bisect_right(starts, begin) - 1)", "1 -> 2"): (
        "the extra neighbour ends before the one that may straddle `begin`, so it lies "
        "wholly outside the excerpt and is skipped"
    ),
    (_SC, "vault_key#2: return False", "return None"): ("the same unreachable except branch as below"),
    (_SC, "vault_key#2: return False", "False -> True"): (
        "the except branch: _B64_KEY admits only 43 base64 characters and one '=', which "
        "always decode, so binascii.Error is never raised"
    ),
    (_SC, "return len(base64.b64decode(text, validate=True)) == 32", "True -> False"): (
        "_B64_KEY has already refused every character validate=True would refuse"
    ),
    (_SC, "decomp: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)", "16 -> 17"): (
        "17 + MAX_WBITS is 32, zlib's automatic zlib-or-gzip header detection: it decodes the "
        "gzip streams this branch is only taken for exactly as 31 does"
    ),
    (
        _SE,
        "todo = [f for f, (judged, _) in zip(files, answers, strict=True) if not judged]",
        "True -> False",
    ): _ZIP,
    (_SE, "for f, (judged, _) in zip(files, answers, strict=True):", "True -> False"): _ZIP,
    (_PS, "if union is not None and union.search(posix) is None:", "is not -> is"): (
        "the union only answers no sooner: without it each pattern's own screen gives the same no"
    ),
    (
        _PO,
        'folders = {"/".join(n.split("/")[:k]) for n in files for k in range(2, n.count("/") + 1)}',
        "1 -> 2",
    ): ("one more prefix is the file's own name, already in `known` as a file"),
    (_PO, 'above = ["/".join(name.split("/")[:k]) for k in range(1, name.count("/") + 1)]', "1 -> 2 #1"): (
        "the first prefix is the root (repo, state or backups) alone, which no file or link "
        "of an example can be: every name has a part below its root"
    ),
    (_SE, "for f, (judged, hits) in zip(files, answers, strict=True):", "True -> False"): _ZIP,
}

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
    function: str = ""  # the innermost def around it
    occurrence: int = 1  # which line of `function` with this text, counted from 1
    repeat: int = 1  # which mutant with this change on this line, counted from 1


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
    owner: dict[int, str] = {}
    for node in ast.walk(tree):  # outer defs first, so a nested def's name wins
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            owner.update((id(n), node.name) for n in ast.walk(node))
    found = [
        Mutant(
            module,
            i,
            getattr(node, "lineno", 0),
            change,
            lines[getattr(node, "lineno", 1) - 1].strip(),
            owner.get(id(node), ""),
        )
        for i, (node, _, change) in enumerate(_candidates(tree))
    ]
    same: dict[tuple[str, str], set[int]] = {}
    for m in found:
        same.setdefault((m.function, m.source), set()).add(m.line)
    seen: dict[tuple[int, str], int] = {}
    out = []
    for m in found:  # candidates come in a fixed order, so `repeat` is stable
        seen[m.line, m.change] = seen.get((m.line, m.change), 0) + 1
        out.append(
            replace(
                m,
                occurrence=sorted(same[m.function, m.source]).index(m.line) + 1,
                repeat=seen[m.line, m.change],
            )
        )
    return out


def equivalence(m: Mutant) -> str | None:
    """Why `m` is listed as equivalent, keyed by `function#occurrence: line`,
    `function: line` or the line alone, and by `change #repeat` or the change alone (the
    first key found)."""
    for where in (f"{m.function}#{m.occurrence}: {m.source}", f"{m.function}: {m.source}", m.source):
        for change in (f"{m.change} #{m.repeat}", m.change):
            why = EQUIVALENT.get((m.module, where, change))
            if why is not None:
                return why
    return None


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
        why = equivalence(m)
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
        "state policies, evaluate, verdict and the gate; detect: the detectors and the secret "
        "check; engine: the rest of engine/)",
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
