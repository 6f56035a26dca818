"""Built-in check kinds, one module per family; each kind is declared once, by its `@check_kind` line."""
