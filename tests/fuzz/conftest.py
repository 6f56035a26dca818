"""Fixtures of the fuzz suite: one prepared world per module, reset for every example."""

from __future__ import annotations

import pytest

from fuzzkit import Worlds


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    return Worlds(tmp_path_factory.mktemp("fuzz"))
