"""Block Kit builders: pure functions from data to message and view dicts."""
