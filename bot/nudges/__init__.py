"""Scheduled nudges: what is due (planners), the ledger that remembers what was sent, delivery.

Where things are:

- ``tick.py``: :func:`~bot.nudges.tick.run_tick`, the one entry point (``python -m bot tick`` and the
  in-process APScheduler job in ``scheduler.py`` both call it): plan every kind, deliver, housekeeping.
- ``registry.py``: the list of nudge kinds. ``types.py``: what a kind is made of.
- ``planners/<kind>.py``: when each occurrence is due, per recipient, with its period key.
- ``renderers/<kind>.py``: the message, built at send time from current data (or a reason to skip).
- ``ledger.py``: every write to ``nudge_deliveries``: idempotent bulk planning, atomic claims
  (leases), outcomes. ``delivery.py``: the one send loop for all kinds (pacing, 429s, retries,
  reconciling after a crash). ``timing.py``: local wall times → UTC, DST-safe.
- ``timezones.py``: the paged ``users.list`` pass that keeps timezones and away statuses current.
- ``availability.py``: time off, pausing, working days, quiet hours, the nag ceiling (wraps renderers).

Adding a kind (e.g. review reminders, the manager digest):

1. ``planners/review_reminder.py`` with ``KIND``, ``GRACE`` and
   ``plan(session, ctx) -> list[PlannedNudge]``: load every candidate in one query, compute due
   times in Python (``timing.local_to_utc`` for local wall times), return each occurrence that is
   due by ``ctx.at`` with a period key unique per recipient (``review-2027-03-01-d14``). Return the
   most recent occurrence even if it is long past: the ledger records it as skipped (and logs it)
   when it is older than ``GRACE``, and ignores it when it already exists.
2. ``renderers/review_reminder.py`` with ``render(session, ctx, row) -> Message | Skip``: re-read
   what the message needs (by ``row.member_id`` / ``row.period_key``) and return ``Skip(reason)``
   when it no longer applies (opted out, date changed). Button values can carry ``row.id``.
3. One ``NudgeType(kind=..., plan=..., render=..., grace=..., priority=...)`` entry in
   ``registry.NUDGE_TYPES``. For a channel recipient (a digest) put the channel ID in
   ``recipient_id``; pass ``on_permanent_error`` to react to ``not_in_channel`` and the like.

Nothing else changes: the tick plans it, the delivery loop sends it exactly once, with retries,
rate limiting and crash recovery, and ``tests/test_nudges_delivery.py`` shows a channel kind.
"""
