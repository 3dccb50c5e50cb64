"""Stagecoach's career content: the five-stage roadmap and the growth guide, as data.

``load_content()`` reads and validates the YAML files in this package once per
process; a malformed file fails loudly at start-up rather than mid-conversation.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from content.schema import Content, Criterion, SignalRules, Stage, Tactic

__all__ = ["Content", "Criterion", "SignalRules", "Stage", "Tactic", "load_content", "load_signal_rules"]


# libyaml's safe loader when PyYAML was built with it (the wheels are): the content's three YAML files took
# ~75 ms of every process start in pure Python, ~7 ms with libyaml. Same safe subset either way.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> object:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 (a safe loader)


def _read_yaml(name: str) -> object:
    return read_yaml(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_content() -> Content:
    return Content.model_validate({"roadmap": _read_yaml("roadmap.yaml"), "growth": _read_yaml("growth.yaml")})


@lru_cache(maxsize=1)
def load_signal_rules() -> SignalRules:
    """The decide / propose / learn cue phrases and the item matcher's synonyms (growth_signals.yaml)."""
    return SignalRules.model_validate(_read_yaml("growth_signals.yaml"))
