"""A test function that fails while being imported (an init error)."""

raise RuntimeError("this function cannot start")
