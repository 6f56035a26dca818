"""A stored value is never written or printed anywhere: files, outputs, audit lines, exports."""

from __future__ import annotations

import json
import secrets
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from si_paas.services import bundle as bundle_svc
from si_paas.services import events as events_svc
from si_paas.services import secrets as svc
from si_paas.state.contexts import init_context

from conftest import Run
from vaulthelp import holders, inv, secret, secret_set, service_env

ALPHABET = string.ascii_letters + string.digits + "!@#%^&*-_"
# Each value holds a symbol and a digit mid-string, so it cannot occur by chance in the
# outputs it is searched in (field names such as `alert_policy`, times, fingerprints).
VALUES = st.tuples(
    st.text(alphabet=ALPHABET, min_size=6, max_size=30),
    st.sampled_from("!@#%^&*"),
    st.integers(0, 9),
    st.text(alphabet=ALPHABET, min_size=5, max_size=30),
).map(lambda t: f"{t[0]}{t[1]}{t[2]}{t[3]}")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, key=st.from_regex(r"[A-Z_][A-Z0-9_]{0,20}", fullmatch=True))
def test_value_is_nowhere_but_encrypted(value: str, key: str) -> None:
    # Values made of a few repeated characters could turn up by chance in base64 or hex.
    assume(len(set(value)) >= 5)
    with tempfile.TemporaryDirectory() as tmp, service_env(Path(tmp)) as layout:
        init_context(layout, "oss-demo", "oss-demo", None)
        outputs = []
        set_inv = inv(layout, "secret set", "oss-demo", key=key)
        outputs.append(svc.set_secret(set_inv, key, lambda: value).payload)
        outputs.append(svc.list_secrets(inv(layout, "secret list", "oss-demo")).payload)
        got = svc.get_secret(inv(layout, "secret get", "oss-demo"), key, False, False).payload
        assert got["redacted"].startswith(value[: min(4, len(value) // 4)] + "…fp:")
        outputs.append(got)
        outputs.append(
            bundle_svc.export_context(inv(layout, "context export", "oss-demo"), None, False).payload
        )
        events_svc.audit(set_inv, "ok", 0, None)
        outputs.append(events_svc.list_events(inv(layout, "events list", "oss-demo"), 50, None, None).payload)
        assert value not in json.dumps(outputs, ensure_ascii=False)
        assert holders(value, Path(tmp)) == []
        # And it is really there, under the key.
        revealed = svc.get_secret(inv(layout, "secret get", "oss-demo"), key, True, True)
        assert revealed.payload["value"] == value


def test_no_command_prints_or_stores_the_value(
    baseline: Callable[..., Run], home: Path, tmp_path: Path
) -> None:
    si = baseline
    value = "Lk9#" + secrets.token_urlsafe(24) + "!z"
    via_flag = "Qw3@" + secrets.token_urlsafe(24)
    runs: list[Run] = [
        secret_set(si, "internal-dogfood", "DB_PASSWORD", value),
        secret_set(si, "internal-dogfood", "DB_PASSWORD", value, "--json"),
        si(
            "paas",
            "--context",
            "internal-dogfood",
            "secret",
            "set",
            "API_TOKEN",
            "--value",
            via_flag,
            "--json",
        ),
        secret(si, "internal-dogfood", "list"),
        secret(si, "internal-dogfood", "list", "--json"),
        secret(si, "internal-dogfood", "get", "DB_PASSWORD"),
        secret(si, "internal-dogfood", "get", "DB_PASSWORD", "--json"),
        secret(si, "internal-dogfood", "get", "DB_PASSWORD", "--reveal"),
        si("paas", "--context", "internal-dogfood", "context", "export"),
        si("paas", "--context", "internal-dogfood", "context", "export", "--json"),
        si(
            "paas",
            "--context",
            "internal-dogfood",
            "context",
            "export",
            "--output",
            str(tmp_path / "exports" / "dogfood.json"),
        ),
        si("paas", "doctor", "--json"),
        si("paas", "--context", "internal-dogfood", "doctor", "--json"),
        si("paas", "--context", "internal-dogfood", "events", "list", "--json"),
        si("paas", "--context", "internal-dogfood", "context", "show", "--json"),
        secret(si, "internal-dogfood", "unset", "API_TOKEN", "--json"),
    ]
    assert runs[0].code == 0 and runs[2].code == 0 and runs[10].code == 0, runs[10].stderr
    for run in runs:
        for secret_value in (value, via_flag):
            assert secret_value not in run.stdout and secret_value not in run.stderr
    export = json.loads((tmp_path / "exports" / "dogfood.json").read_text())
    assert export["origin"]["context"] == "internal-dogfood"
    assert holders(value, home, tmp_path) == [] and holders(via_flag, home, tmp_path) == []
    shown = secret(si, "internal-dogfood", "get", "DB_PASSWORD", "--reveal", "--allow-plaintext")
    assert shown.stdout.strip() == value
