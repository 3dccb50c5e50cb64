"""How listeners reach the shared :class:`~bot.deps.Deps`: through the Bolt context."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps

DEPS_KEY = "deps"
"""The context key: Bolt injects context entries by name, so a listener of our own can ask for ``deps``."""


def deps_of(context: Any) -> Deps:
    deps = context[DEPS_KEY]
    assert isinstance(deps, Deps)
    return deps
