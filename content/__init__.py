"""Stagecoach's career content: the five-stage roadmap and the growth guide, as data.

``load_content()`` reads and validates the YAML files in this package once per
process; a malformed file fails loudly at start-up rather than mid-conversation.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from content.schema import Content, Criterion, Stage, Tactic

__all__ = ["Content", "Criterion", "Stage", "Tactic", "load_content"]


def _read_yaml(name: str) -> object:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def load_content() -> Content:
    return Content.model_validate({"roadmap": _read_yaml("roadmap.yaml"), "growth": _read_yaml("growth.yaml")})
