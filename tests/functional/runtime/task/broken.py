"""A module that fails while being imported, for init-error tests."""

raise KeyError("missing configuration")
