"""Planners: one module per nudge kind, each a ``plan(session, PlanContext) -> list[PlannedNudge]``."""
