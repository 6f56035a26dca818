"""Built-in check kinds; importing this package registers them in `registry.CHECKS`."""

from si_paas.engine.checks import (  # noqa: F401
    cross_context,
    location,
    permissions,
    private_state,
    public_safe,
    secrets,
)
