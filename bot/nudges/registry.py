"""The nudge kinds the bot knows. Adding a kind = a planner module, a renderer module, one entry here.

Each entry says when the kind is due (its planner), what it says (its renderer), how late it may
still go out (``grace``) and which kind goes first when a tick is busy (``priority``, lower first).
:func:`bot.nudges.tick.run_tick` plans every kind, then one generic delivery loop sends whatever
is due, whatever its kind; the ledger makes each (kind, recipient, period) go out exactly once.
Personal nudges go through :func:`bot.nudges.availability.respecting_time` (time off, pause, working
days, quiet hours; for the weekly prompt also the nag ceiling and welcome back).
"""

from __future__ import annotations

from bot.nudges.availability import respecting_time
from bot.nudges.planners import digest as digest_planner
from bot.nudges.planners import review_agenda as review_agenda_planner
from bot.nudges.planners import review_rating as review_rating_planner
from bot.nudges.planners import review_reminder as review_planner
from bot.nudges.planners import stage_changed as stage_changed_planner
from bot.nudges.planners import stuck as stuck_planner
from bot.nudges.planners import weekly_prompt as weekly_prompt_planner
from bot.nudges.renderers import digest as digest_renderer
from bot.nudges.renderers import review_agenda as review_agenda_renderer
from bot.nudges.renderers import review_rating as review_rating_renderer
from bot.nudges.renderers import review_reminder as review_renderer
from bot.nudges.renderers import stage_changed as stage_changed_renderer
from bot.nudges.renderers import stuck as stuck_renderer
from bot.nudges.renderers import weekly_prompt as weekly_prompt_renderer
from bot.nudges.types import NudgeType

NUDGE_TYPES: list[NudgeType] = [
    NudgeType(
        kind=stuck_planner.KIND,
        plan=stuck_planner.plan,
        render=respecting_time(stuck_renderer.render),
        grace=stuck_planner.GRACE,
        priority=10,
    ),
    NudgeType(
        kind=weekly_prompt_planner.KIND,
        plan=weekly_prompt_planner.plan,
        render=respecting_time(weekly_prompt_renderer.render, weekly=True),
        grace=weekly_prompt_planner.GRACE,
        priority=50,
    ),
    NudgeType(
        kind=review_planner.KIND,
        plan=review_planner.plan,
        render=respecting_time(review_renderer.render),
        grace=review_planner.GRACE,
        priority=40,
    ),
    NudgeType(
        kind=digest_planner.KIND,
        plan=digest_planner.plan,
        render=digest_renderer.render,
        grace=digest_planner.GRACE,
        priority=60,
        on_permanent_error=digest_renderer.forget_channel,
    ),
    NudgeType(
        kind=review_rating_planner.KIND,
        plan=review_rating_planner.plan,
        render=respecting_time(review_rating_renderer.render),
        grace=review_rating_planner.GRACE,
        priority=40,
    ),
    NudgeType(
        kind=review_agenda_planner.KIND,
        plan=review_agenda_planner.plan,
        render=review_agenda_renderer.render,
        grace=review_agenda_planner.GRACE,
        priority=40,
    ),
    NudgeType(
        kind=stage_changed_planner.KIND,
        plan=stage_changed_planner.plan,
        render=stage_changed_renderer.render,
        grace=stage_changed_planner.GRACE,
        priority=45,
    ),
]


def by_kind() -> dict[str, NudgeType]:
    return {nudge_type.kind: nudge_type for nudge_type in NUDGE_TYPES}


def by_priority() -> list[NudgeType]:
    return sorted(NUDGE_TYPES, key=lambda nudge_type: nudge_type.priority)
