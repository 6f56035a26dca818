"""Check kind: no plaintext secrets in a repository's files (rules/secrets.yaml)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from si_paas.engine.parallel import map_files
from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.gitobjects import HistorySnapshot
from si_paas.snapshot.snapshot import FileSource, Snapshot
from si_paas.snapshot.worktree import RepoFile

if TYPE_CHECKING:
    from si_paas.detect.chunks import Content
    from si_paas.detect.scanner import SecretScanner

_PARAMS = {
    "max_file_size": {"type": "integer", "min": 1, "default": 1024 * 1024},
}


def scanner(snap: Snapshot, files: int | None = None) -> SecretScanner:
    """One compiled scanner per snapshot; `files` is how many files it is about to judge.

    A staged scan (the pre-commit hook) never compiles a matcher database. Once built, a
    call is one lookup: the secret check asks for it per file it reads.
    """
    found: SecretScanner | None = snap.memo.get("secret_scanner")
    if found is None:
        from si_paas.detect.rulepack import load_secret_rules
        from si_paas.detect.scanner import SecretScanner
        from si_paas.snapshot.gitobjects import IndexSnapshot

        staged = any(isinstance(r, IndexSnapshot) for r in snap.repos)
        found = snap.memo["secret_scanner"] = SecretScanner(
            load_secret_rules(), may_compile=not staged, files=files, explain=snap.explain
        )
    return found


def _judge(
    snap: Snapshot,
    repo: FileSource,
    files: list[RepoFile],
    scan: Callable[[], SecretScanner],
    scan_one: Callable[[RepoFile, Content], list[Finding] | None],
    cap: int,
) -> Iterator[tuple[RepoFile, list[Finding] | None]]:
    """(file, findings or None for binary) per judged file, in listing order.

    History blobs judged by an earlier run with the same rules come from the repository's
    judged-blob cache (engine/judged.py); the others are read and scanned, then kept. A
    version-1 baseline needs each finding's in-memory legacy fingerprint, which the cache
    never holds, so such a run judges every blob afresh. `scan()` gives the snapshot's
    scanner, built when something is to be read: an unchanged history builds no rule.
    """
    if not isinstance(repo, HistorySnapshot) or snap.legacy_baseline:
        _ = scan().matcher  # chosen (and any database loaded) once, before workers fork
        yield from map_files(repo, files, scan_one, cap)
        return
    from si_paas.detect.rulepack import pack_digest
    from si_paas.engine.judged import JudgedBlobs

    cache = JudgedBlobs.open(repo.root, pack_digest(), cap, explain=snap.explain)
    # Per listed file: (judged before, its findings); the others are read below.
    answers: list[tuple[bool, list[Finding] | None]] = []
    todo: list[RepoFile] = []
    plain, heads = cache.plain_heads, repo.heads
    for f in files:
        answer = cache.get(f)
        answers.append(answer)
        if not answer[0]:
            todo.append(f)
        elif f.content_key in plain:  # the private-state check need not peek
            heads.setdefault(f.content_key, None)
    repo.advance(len(files) - len(todo))
    read: dict[RepoFile, list[Finding] | None] = {}
    if todo:  # an unchanged history reads nothing, so no matcher is chosen
        _ = scan().matcher
    for f, hits in map_files(repo, todo, scan_one, cap):
        read[f] = hits
        cache.put(f, hits, plain_head=f.content_key in heads and heads[f.content_key] is None)
    cache.save()
    for f, (judged, hits) in zip(files, answers, strict=True):
        if judged:
            yield f, hits
        elif f in read:
            yield f, read[f]


@check_kind("repo.no_plaintext_secrets", _PARAMS)
def no_plaintext_secrets(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Plaintext secrets in tracked and untracked files (ignored files are not published)."""
    from si_paas.detect.matcher import requested

    listed = {id(repo): list(repo.content_files()) for repo in snap.repos}
    total = sum(len(v) for v in listed.values())

    def scan() -> SecretScanner:  # the snapshot's scanner, built when first asked for
        return scanner(snap, files=total)

    if requested() != "auto":  # a backend asked for is loaded (or refused) whatever is read
        _ = scan().matcher

    def scan_one(f: RepoFile, data: Content) -> list[Finding] | None:
        # Fingerprints use the repo-relative path, so they match wherever the repo is cloned.
        return scan().scan_file(f.relpath, data)

    findings: list[Finding] = []
    cap = snap.max_file_size or params["max_file_size"]  # the command line's, else the policy's
    for repo in snap.repos:
        merged: dict[str, Finding] = {}
        for f, hits in _judge(snap, repo, listed[id(repo)], scan, scan_one, cap):
            if hits is None:
                repo.skipped["binary"] = repo.skipped.get("binary", 0) + 1
                continue
            if not hits:
                continue
            where = {**f.describe(), "relpath": f.relpath, "repo": str(repo.root)}
            for hit in hits:
                found = replace(hit, path=f"{repo.root}/{f.relpath}", extra={**hit.extra, **where})
                if "suppressed_by" in found.extra:  # only with --explain: why it is not a finding
                    snap.memo.setdefault("suppressed", []).append(found)
                    continue
                if f.status != "history" or not found.fingerprint:
                    findings.append(found)
                    continue
                # One secret seen in many commits is one finding: first and last commit.
                known = merged.get(found.fingerprint)
                if known is None:
                    merged[found.fingerprint] = found
                    findings.append(found)
                else:
                    for end, newer in (("last", int.__gt__), ("first", int.__lt__)):
                        if newer(int(found.extra[f"{end}_ordinal"]), int(known.extra[f"{end}_ordinal"])):
                            known.extra.update(
                                {
                                    f"{end}_{k}": found.extra[f"{end}_{k}"]
                                    for k in ("commit", "date", "ordinal")
                                }
                            )
    return findings
