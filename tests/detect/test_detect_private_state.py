"""Private-state path patterns match the state layout at any depth."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.detect.private_state import load_private_state_patterns, match_private_state
from si_paas.errors import InputError


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("current_context", "state-current-context"),
        (".si/paas/current_context", "state-current-context"),
        ("ops/.si/paas/contexts/x/config.json", "state-context-config"),
        ("contexts/oss-demo/targets.json", "state-context-targets"),
        ("contexts/oss-demo/apps.json", "state-context-apps"),
        ("contexts/oss-demo/deployments.json", "state-context-deployments"),
        ("contexts/oss-demo/addons.json", "state-context-addons"),
        ("contexts/oss-demo/alerts/policy.json", "state-alert-policy"),
        ("a/b/contexts/internal-dogfood/events/deployments.jsonl", "state-event-log"),
        ("contexts/oss-demo/events/alerts.jsonl", "state-event-log"),
        ("contexts/oss-demo/events/audit.jsonl", "state-event-log"),
        ("contexts/oss-demo/vault/secrets.env", "state-vault"),
        ("x/contexts/oss-demo/vault/nested/other.txt", "state-vault"),
        (".si/keys/oss-demo.key", "vault-key"),
        ("keys/internal-dogfood.key", "vault-key"),
        ("2024-05-01.si-backup", "backup-bundle"),
        ("archive/oss-demo.si-backup.tar.gz", "backup-bundle"),
        ("backups/2024-05-01.tar.gz", "backup-archive"),
        ("backups/2024-05-01/backup-manifest.json", "backup-manifest"),
        ("contexts\\oss-demo\\config.json", "state-context-config"),
        ("./contexts/oss-demo/config.json", "state-context-config"),
    ],
)
def test_state_layout_matches(relpath: str, expected: str) -> None:
    hit = match_private_state(relpath)
    assert hit is not None and hit.id == expected
    assert hit.severity in ("critical", "high", "medium", "low") and hit.description


@pytest.mark.parametrize(
    "relpath",
    [
        "README.md",
        "config.json",
        "src/contexts.py",
        "docs/current_context.md",
        "contexts/config.json",
        "k8s/deployments.json",
        "charts/vault/values.yaml",
        "certs/server.key",
        "dist/app.tar.gz",
        "events/audit.jsonl",
    ],
)
def test_ordinary_paths_do_not_match(relpath: str) -> None:
    assert match_private_state(relpath) is None


def test_bad_pattern_file_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "private-state.yaml"
    path.write_text(
        "version: 1\npatterns:\n  - id: x\n    description: d\n    pattern: '('\n"
        "    severity: high\n    examples: {match: [a], no_match: [b]}\n"
    )
    with pytest.raises(InputError) as err:
        load_private_state_patterns(path)
    assert err.value.message.startswith(f"{path}: pattern 'x' field 'pattern': invalid regex")


def test_content_detectors_are_bounded_and_total() -> None:
    """Hostile bytes are "not state", never an error: deep JSON, huge numbers, bombs, junk."""
    import gzip
    import io
    import zipfile

    from si_paas.detect import state_content
    from si_paas.detect.examples import tar_of
    from si_paas.detect.private_state import load_private_state_patterns

    patterns = load_private_state_patterns()
    hostile = [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"context_id": ' + b"9" * 5000 + b"}",
        b'{"context_id": "ctx_' + b"0" * 32 + b'", "items": ' + b"[" * 50_000 + b"}",
        gzip.compress(b"\0" * (64 * 1024 * 1024)),  # decompresses past the budget
        b"\x1f\x8b" + b"junk" * 100,
        b"PK\x03\x04junk",
        b"\xff\xfe\x00",
    ]
    for data in hostile:
        assert patterns.match_content(data) is None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("paas/contexts/oss-demo/vault/secrets.env", "x")
    found = patterns.match_content(buf.getvalue())
    assert found is not None and found[0].id == "state-archive"
    assert patterns.match_content(tar_of(["src/a.py"])) is None
    assert state_content.worth_reading(b"{}")
