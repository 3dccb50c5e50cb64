"""The nudge kinds the bot knows. Adding a kind = a planner module, a renderer module, one entry here.

Each entry says when the kind is due (its planner), what it says (its renderer), how late it may
still go out (``grace``) and which kind goes first when a tick is busy (``priority``, lower first).
:func:`bot.nudges.tick.run_tick` plans every kind, then one generic delivery loop sends whatever
is due, whatever its kind; the ledger makes each (kind, recipient, period) go out exactly once.
"""

from __future__ import annotations

from bot.nudges.planners import stuck as stuck_planner
from bot.nudges.planners import weekly_prompt as weekly_prompt_planner
from bot.nudges.renderers import stuck as stuck_renderer
from bot.nudges.renderers import weekly_prompt as weekly_prompt_renderer
from bot.nudges.types import NudgeType

NUDGE_TYPES: list[NudgeType] = [
    NudgeType(
        kind=stuck_planner.KIND,
        plan=stuck_planner.plan,
        render=stuck_renderer.render,
        grace=stuck_planner.GRACE,
        priority=10,
    ),
    NudgeType(
        kind=weekly_prompt_planner.KIND,
        plan=weekly_prompt_planner.plan,
        render=weekly_prompt_renderer.render,
        grace=weekly_prompt_planner.GRACE,
        priority=50,
    ),
]


def by_kind() -> dict[str, NudgeType]:
    return {nudge_type.kind: nudge_type for nudge_type in NUDGE_TYPES}


def by_priority() -> list[NudgeType]:
    return sorted(NUDGE_TYPES, key=lambda nudge_type: nudge_type.priority)
