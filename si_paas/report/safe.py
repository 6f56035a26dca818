"""Untrusted strings on their way to a terminal: control characters shown, never obeyed.

File names, excerpts, messages and config values come from repositories and state files an
attacker may write. Human output passes each through `printable`, which spells out C0 and
C1 control characters (ESC, CR, BEL, backspace, ...), DEL and the bidirectional overrides
that reorder a line, as `\\x1b`-style escapes; `--json` output keeps the exact strings.
"""

from __future__ import annotations

import re

from si_paas.lazyregex import lazy

_UNSAFE = lazy("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with every control or reordering character escaped (newlines kept if asked)."""
    s = str(text)
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, part) for part in s.split("\n"))
    return _UNSAFE.sub(_escape, s)
