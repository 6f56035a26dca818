"""Helpers shared by the vault, secret and bundle tests (real files, real `si` runs)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from si_paas.services.invocation import Invocation
from si_paas.state.layout import StateLayout

from conftest import Run, files_under

ENC_LINE = re.compile(
    r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=ENC\[v1,(?P<nonce>[^,]+),(?P<ct>[^\]]+)\]$", re.MULTILINE
)


def secret_set(
    si: Callable[..., Run],
    ctx: str,
    key: str,
    value: str,
    *args: str,
    extra_env: dict[str, str] | None = None,
) -> Run:
    """`si paas --context CTX secret set KEY` with the value on stdin."""
    return si("paas", "--context", ctx, "secret", "set", key, *args, input=value + "\n", extra_env=extra_env)


def secret(si: Callable[..., Run], ctx: str, *args: str, extra_env: dict[str, str] | None = None) -> Run:
    """Any `si paas --context CTX secret ...` run."""
    return si("paas", "--context", ctx, "secret", *args, extra_env=extra_env)


def holders(value: str, *roots: Path) -> list[Path]:
    """The files below the roots whose bytes contain `value`."""
    needle = value.encode()
    return [p for p, data in files_under(*roots).items() if needle in data]


def random_key_b64() -> str:
    """A fresh base64 32-byte key, as SI_PAAS_VAULT_KEY_<CTX> expects."""
    return base64.b64encode(os.urandom(32)).decode()


def one_line_error(run: Run) -> str:
    """The single error line of a failed run (and no traceback); warnings may precede it."""
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith("warning: ")]
    assert len(lines) == 1, run.stderr
    return lines[0]


@contextlib.contextmanager
def service_env(root: Path) -> Iterator[StateLayout]:
    """In-process service calls against a state root and key dir under `root`."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("SI_PAAS_")}
    for k in saved:
        del os.environ[k]
    os.environ["SI_PAAS_STATE_ROOT"] = str(root / "paas")
    os.environ["SI_PAAS_KEY_DIR"] = str(root / "keys")
    # `root` stands for ~/.si of the `si` runs: the fingerprint key is ~/.si/fingerprint.key there
    os.environ["SI_PAAS_FINGERPRINT_KEY_FILE"] = str(root / "fingerprint.key")
    try:
        yield StateLayout(root / "paas")
    finally:
        for k in [k for k in os.environ if k.startswith("SI_PAAS_")]:
            del os.environ[k]
        os.environ.update(saved)


def inv(layout: StateLayout, command: str, context: str | None, **audit: Any) -> Invocation:
    """An Invocation as `cli.common.run` builds it."""
    made = Invocation(command=command, context_opt=context, layout=layout)
    made.audit_args.update(audit)
    return made
