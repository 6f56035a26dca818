"""Built-in check kinds, one module per family; `registry.BUILTIN_KINDS` says which is where."""
