"""Output formats, one module each; every module defines `RENDERER` (see `report.renderers`)."""
