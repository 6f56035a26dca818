"""Named crash points for the tests of crash safety: `SI_PAAS_FAILPOINT=NAME` kills the process.

At the named point the process sends itself SIGKILL, exactly what a power cut or an OOM kill
does to it, so a test can prove what the next command finds at each step of a multi-step
change. Unset (always, outside those tests), a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

FAILPOINT_ENV = "SI_PAAS_FAILPOINT"


def hit(name: str) -> None:
    """SIGKILL this process if `$SI_PAAS_FAILPOINT` names this point."""
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
