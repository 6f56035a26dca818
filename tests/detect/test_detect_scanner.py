"""The scanner: positions, redaction, fingerprints, inline allows, binaries, priorities."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner, is_binary, shannon_entropy
from si_paas.findings import Finding

GHP = "ghp_" + "Zq8LmN3pR7tV1xB5cD9fG2hJ4kW6yA0sE3uI"
PASSWORD = "Xk9vQ2mL7pR4tZ8w"  # si-paas: allow


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner(load_secret_rules())


def scan(scanner: SecretScanner, text: str, path: str = "app/.env") -> list[Finding]:
    return scanner.scan_bytes(path, text.encode("utf-8"))


def test_finding_fields(scanner: SecretScanner) -> None:
    [hit] = scan(scanner, f"# tokens\nAPP=1\nGITHUB_TOKEN={GHP}\n")
    assert (hit.rule, hit.line, hit.column, hit.severity) == ("github-pat", 3, 14, "critical")
    assert hit.path == "app/.env"
    assert hit.message == load_secret_rules().rule("github-pat").description
    assert hit.excerpt is not None and hit.excerpt.startswith("GITHUB_TOKEN=ghp_…[hmac:")
    assert GHP not in repr(hit) and GHP not in str(hit.to_dict())


def test_specific_rule_wins_over_generic(scanner: SecretScanner) -> None:
    hits = scan(scanner, f"API_TOKEN={GHP}\nDB_PASSWORD={PASSWORD}\n")
    assert [(h.rule, h.line) for h in hits] == [("github-pat", 1), ("generic-env-assignment", 2)]


def test_fingerprint_survives_the_line_moving(scanner: SecretScanner) -> None:
    before = scan(scanner, f"DB_PASSWORD={PASSWORD}\n")
    after = scan(scanner, f"# moved down\n\n\nAPP=web\n   DB_PASSWORD={PASSWORD}\n")
    assert before[0].line == 1 and after[0].line == 5
    assert before[0].fingerprint == after[0].fingerprint
    other_file = scanner.scan_bytes("other/.env", f"DB_PASSWORD={PASSWORD}\n".encode())
    assert other_file[0].fingerprint != before[0].fingerprint


@pytest.mark.parametrize(
    "marker",
    [
        "# si-paas: allow",
        "# gitleaks:allow",
        "# pragma: allowlist secret",
        "# SI-PAAS: ALLOW (fixture)",
    ],
)
def test_inline_allow(scanner: SecretScanner, marker: str) -> None:
    text = f"GITHUB_TOKEN={GHP} {marker}\nDB_PASSWORD={PASSWORD}\n"
    assert [h.line for h in scan(scanner, text)] == [2]


def test_allow_marker_on_another_line_does_not_hide(scanner: SecretScanner) -> None:
    text = f"# si-paas: allow\nGITHUB_TOKEN={GHP}\n"
    assert len(scan(scanner, text)) == 1


def test_binary_is_skipped(scanner: SecretScanner) -> None:
    data = b"\x89PNG\r\n\x1a\n\0\0\0" + f"GITHUB_TOKEN={GHP}".encode()
    assert is_binary(data)
    assert scanner.scan_bytes("logo.png", data) == []
    late_nul = f"GITHUB_TOKEN={GHP}\n".encode() + b"a" * 9000 + b"\0"
    assert not is_binary(late_nul)
    assert len(scanner.scan_bytes("big.txt", late_nul)) == 1


def test_crlf_bom_and_invalid_utf8(scanner: SecretScanner) -> None:
    data = b"\xef\xbb\xbfAPP=1\r\nGITHUB_TOKEN=" + GHP.encode() + b"\r\n\xff\xfe junk\r\n"
    [hit] = scanner.scan_bytes("win/.env", data)
    assert (hit.line, hit.column) == (2, 14)
    assert hit.excerpt is not None and not hit.excerpt.endswith("\r")


def test_private_key_block_points_at_begin_line(scanner: SecretScanner) -> None:
    body = "\n".join(["MIIEowIBAAKCAQEA" + "q" * 48, "Zx8Kp2Lm" * 8, "AbCd=="])
    text = f"notes\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    [hit] = scan(scanner, text, "certs/server.key")
    assert (hit.rule, hit.line, hit.column) == ("privatekey-rsa", 2, 1)
    assert "MIIE" not in (hit.excerpt or "") and "Zx8Kp2Lm" not in (hit.excerpt or "")


def test_escaped_private_key_in_json(scanner: SecretScanner) -> None:
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "Kp2Lm9Qz" * 8
    text = (
        '{\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n' + body + '\\n-----END PRIVATE KEY-----\\n"\n}\n'
    )
    [hit] = scan(scanner, text, "sa.json")
    assert (hit.rule, hit.line) == ("privatekey-pkcs8", 2)
    assert body not in (hit.excerpt or "")


def test_every_secret_on_a_line_is_redacted_in_each_excerpt(scanner: SecretScanner) -> None:
    npm = "npm_" + "Lm4Qz8Kp2Xv7Rt1Wn5Bc9Df3Gh6Jk0As2Ed8"
    hits = scan(scanner, f'{{"a": "{GHP}", "b": "{npm}"}}\n', "x.json")
    assert {h.rule for h in hits} == {"github-pat", "npm-token"}
    for h in hits:
        assert GHP not in (h.excerpt or "") and npm not in (h.excerpt or "")


def test_long_lines_give_short_excerpts(scanner: SecretScanner) -> None:
    text = "var a=" + "1," * 500 + f't="{GHP}";' + "2," * 500 + "\n"
    [hit] = scan(scanner, text, "app.min.js")
    assert hit.excerpt is not None and len(hit.excerpt) <= 170 and GHP not in hit.excerpt


def test_placeholders_and_references_are_not_findings(scanner: SecretScanner) -> None:
    text = (
        "\n".join(
            [
                "DB_PASSWORD=${DB_PASSWORD}",
                "DB_PASSWORD=$DB_PASSWORD",
                "DB_PASSWORD=changeme",
                "DB_PASSWORD=<redacted>",
                "DB_PASSWORD=",
                "DB_PASSWORD=xxxxxxxxxxxx",
                "DB_PASSWORD=ENC[AES256_GCM,data:abc,type:str]",
                "DB_PASSWORD=aaaaaaaaaaaaaa",
                "API_TOKEN=your_token_here",
                "SECRET_KEY=example-secret-key-123",
                "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "STRIPE_KEY=sk_test_" + "a1B2" * 6,
            ]
        )
        + "\n"
    )
    assert scan(scanner, text) == []


def test_stripe_test_keys_are_reported_low(scanner: SecretScanner) -> None:
    text = (
        "STRIPE_SECRET_KEY=sk_test_IrWZveKyH69TVfOQGyLouprT\n"
        "STRIPE_RESTRICTED=rk_test_d8UondjYRIWkLtmhFgqMN6Z8kmPv\n"
        "STRIPE_PUBLISHABLE=pk_test_BklcLlJsNdOO4Naw7BzKOyTi\n"
    )
    hits = scan(scanner, text)  # the generic env rule does not report them a second time
    assert [(h.rule, h.line, h.severity, h.confidence) for h in hits] == [
        ("stripe-test-key", 1, "low", "low"),
        ("stripe-test-key", 2, "low", "low"),
    ]
    assert [h.rule for h in scan(scanner, "k = 'sk_live_IrWZveKyH69TVfOQGyLouprT'\n")] == [
        "stripe-secret-key"
    ]


def test_rule_runs_only_near_its_keyword(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        """\
version: 1
rules:
  - id: near-only
    description: body after a marker
    keywords: [marker]
    regex: 'tok[0-9]{6}'
    severity: low
    examples:
      match: ['marker tok123456']
      no_match: ['tok123456']
""",
        encoding="utf-8",
    )
    scanner = SecretScanner(load_secret_rules(path))
    hits = scanner.scan_text("f.txt", "tok111111\nMARKER tok222222\ntok333333\n")
    assert [h.line for h in hits] == [2]


def test_paths_restrict_a_rule(scanner: SecretScanner) -> None:
    line = f"DB_PASSWORD={PASSWORD}\n"
    assert [h.rule for h in scan(scanner, line, "deploy/.env.production")] == ["generic-env-assignment"]
    # Outside its paths the env rule stays silent; the any-file generic detector reports it.
    assert [h.rule for h in scan(scanner, line, "README.txt")] == ["generic-secret-assignment"]


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_excerpt_edges_never_cut_a_secret_open(scanner: SecretScanner) -> None:
    bodies = [f"{i:02d}Zq8LmN3pR7tV1xB5cD9fG2hJ4kW6yA0sE3" for i in range(40)]
    text = "tokens = [" + ", ".join(f'"ghp_{b}"' for b in bodies) + "]\n"
    hits = scan(scanner, text, "tokens.py")
    assert len(hits) == len(bodies)
    for hit in hits:
        assert hit.excerpt is not None and len(hit.excerpt) <= 170
        assert not any(b[:8] in hit.excerpt for b in bodies)
