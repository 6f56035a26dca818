"""The one fact about a file's bytes that the private-state content check needs.

A file's first `HEAD_BYTES` tell whether it can be private state by content
(`state_content.worth_reading`). That is decided where the secret scan reads the file, so
the content check never opens a file the scan has read: each file source keeps, per file
read, the head when it is worth a closer look and None when it is not.
"""

from __future__ import annotations

from si_paas.detect.state_content import HEAD_BYTES, worth_reading

__all__ = ["HEAD_BYTES", "head_fact"]


def head_fact(data: bytes) -> bytes | None:
    """The first HEAD_BYTES of `data` when they could be private state, else None."""
    head = data[:HEAD_BYTES]
    return head if worth_reading(head) else None
