"""The weekly wins prompt: Friday 16:00 in each member's own timezone (day and time are settings).

Period key: the ISO week of the occurrence's *local* date (``2026-W47``), so changing the day
or time in the middle of a week never produces a second prompt that week. A "later today"
snooze gets its own key (``2026-W47-snooze-20261120T2100Z``).

The prompt is built at send time from the member's current stage, evidence and wins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from sqlalchemy import ARRAY, DateTime, Integer, any_, bindparam, cast, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from bot.blocks.nudges import weekly_prompt_message
from bot.db.models import SNOOZE_MARK, BragEntry, BragEvidence, Member, NudgeKind
from bot.db.types import UTCDateTime
from bot.nudges.availability import respecting_time
from bot.nudges.kinds import MEMBER_AND_ZONE, installed_members
from bot.nudges.timing import iso_week_key, latest_weekly_occurrence
from bot.nudges.types import Batch, Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services.gaps import member_gap
from bot.services.localtime import local_to_utc, zone
from bot.services.progress import stage_progress
from bot.services.prompts import SNOOZE_LATER_TODAY
from content import Content, Tactic

KIND = NudgeKind.WEEKLY_PROMPT.value
GRACE = timedelta(hours=6)
"""A prompt may go out up to 6 hours late (bot restarted during the afternoon): still the same
working day for most people. Later than that it would land in the evening or the next day,
when "what did you do this week?" no longer fits, so it is skipped and logged instead."""
SNOOZE_LOOKBACK = timedelta(days=1)


def snooze_period_key(snoozed_until: datetime, tz: tzinfo) -> str:
    return f"{iso_week_key(snoozed_until.astimezone(tz).date())}{SNOOZE_MARK}{snoozed_until:%Y%m%dT%H%MZ}"


@dataclass(frozen=True)
class Payload:
    week: int
    """The ISO week number of the occurrence's local date (the tip and the gap question rotate by it)."""
    snoozed: bool
    """A "later today" re-prompt."""


PLANNING_LOCK = 0x5741_0025
"""The transaction-level advisory lock that serialises the weekly planner's batches across replicas."""
BATCH = 10_000
"""Members planned per transaction: memory and a transaction's locks stay bounded whatever the member count
(a first plan of 1,000,000 members is 100 batches)."""


def plan(session: Session, ctx: Context) -> Batch:
    """Up to ``BATCH`` members whose prompt fell due since they were last planned (``prompt_due_at`` passed
    or cleared), each with their most recent occurrence; each member's ``prompt_due_at`` moves on to their
    next occurrence in the same transaction as the ledger insert. The last batch adds the due snoozes.

    A tick with nothing newly due reads nothing but an index: before issue 25 every member was planned
    every minute (300,000 members: 5-7 s a minute)."""
    due = or_(Member.prompt_due_at.is_(None), Member.prompt_due_at <= ctx.now)
    postgres = session.get_bind().dialect.name == "postgresql"
    # psycopg returns aware datetimes, which compare correctly whatever their zone: UTCDateTime's conversion
    # of each to UTC was 4 s of a 1,000,000-member first plan. SQLite's naive values need it.
    enrolled_at = type_coerce(Member.enrolled_at, DateTime(timezone=True)) if postgres else Member.enrolled_at
    query = (
        installed_members(
            *MEMBER_AND_ZONE,
            Member.prompt_weekday,
            Member.prompt_minute,
            enrolled_at,
            (Member.stage.is_not(None) | Member.prompts_chosen_at.is_not(None)).label("chose"),
        )
        .where(due, Member.weekly_prompt_enabled.is_(True), Member.delivery_blocked_at.is_(None))
        # No ORDER BY: the index on prompt_due_at finds the few due rows among millions; an order by id
        # would walk the primary key instead.
        .limit(BATCH)
    )
    if postgres:
        # Replicas plan one batch at a time: a replica arriving while another plans waits for that batch's
        # commit, then sees those members moved on and the ledger rows there to deliver. (SKIP LOCKED let it
        # find nothing and end its tick at once while the rows were still uncommitted: in bench.scale three
        # of four replicas sent nothing in the first minute.) SQLite has one writer anyway.
        session.execute(select(func.pg_advisory_xact_lock(PLANNING_LOCK)))
    # Core on the session's connection: the ORM's handling of 10,000 plain column rows was a quarter of a
    # re-plan (43 of 171 ms under cProfile).
    rows = session.connection().execute(query).all()
    eligible = _with_a_win(session, [row[0] for row in rows if not row[-1]])
    planned: list[PlannedNudge] = []
    next_due: defaultdict[datetime, list[int]] = defaultdict(list)
    for member_id, workspace_id, user_id, tz_name, weekday, minute, enrolled_at, chose in rows:
        tz = zone(tz_name)
        occurrence = latest_weekly_occurrence(ctx.now, tz, weekday, minute)
        # Someone who first used the bot after this week's time waits for next week's; and only people who use
        # the bot for their own growth get one: a stage, a win, or prompts turned on. A manager enrolled by
        # setting up a digest, or anyone who only looked at /stage, gets none (issue #22). They move on all
        # the same: becoming eligible (a stage, prompts chosen, a first win) clears prompt_due_at.
        if occurrence.due_at >= enrolled_at and (chose or member_id in eligible):
            planned.append(
                PlannedNudge(
                    workspace_id,
                    member_id,
                    user_id,
                    occurrence.week_key,
                    occurrence.due_at,
                    Payload(occurrence.week, False),
                )
            )
        # The next one after the latest (which is at or before now): when this member next needs planning.
        next_due[_following(occurrence.local_day, tz, minute)].append(member_id)
    _move_on(session, next_due)
    more = len(rows) == BATCH
    if not more:
        planned.extend(_snoozes(session, ctx))
    return Batch(planned, more=more)


def _with_a_win(session: Session, member_ids: list[int]) -> set[int]:
    """Which of ``member_ids`` (members with no stage and no prompts chosen) have recorded a win: one query a
    batch on the member index of brag_entries, not an EXISTS for each of a million members."""
    found: set[int] = set()
    for start in range(0, len(member_ids), UPDATE_CHUNK):
        ids = member_ids[start : start + UPDATE_CHUNK]
        found.update(session.scalars(select(BragEntry.member_id).where(BragEntry.member_id.in_(ids)).distinct()))
    return found


@lru_cache(maxsize=4096)
def _following(local_day: date, tz: tzinfo, minute: int) -> datetime:
    """The occurrence a week after the one on ``local_day``: the same local time (DST moves the instant).
    Cached like ``latest_weekly_occurrence``: members share a few zones and times."""
    return local_to_utc(local_day + timedelta(days=7), minute, tz)


def _move_on(session: Session, next_due: dict[datetime, list[int]]) -> None:
    """One UPDATE per distinct next occurrence (members share a few zones and times), in chunks of ids."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for due_at, member_ids in next_due.items():
        for start in range(0, len(member_ids), UPDATE_CHUNK):
            ids = member_ids[start : start + UPDATE_CHUNK]
            # One array parameter on PostgreSQL: psycopg split a query of 5,000 placeholders for 0.8 s of a
            # 100,000-member plan.
            which = Member.id == any_(cast(bindparam("b_ids", ids), ARRAY(Integer))) if postgres else Member.id.in_(ids)
            session.execute(
                update(Member).where(which).values(prompt_due_at=due_at).execution_options(synchronize_session=False)
            )


UPDATE_CHUNK = 5000
"""Ids per UPDATE … WHERE id IN (…): well under SQLite's 32,766 bound parameters."""


def _snoozes(session: Session, ctx: Context) -> list[PlannedNudge]:
    """ "Later today" re-prompts that fell due in the last day (the ledger's key refuses one planned twice)."""
    rows = session.connection().execute(
        installed_members(*MEMBER_AND_ZONE, Member.prompt_snoozed_until).where(
            Member.prompt_snoozed_until > ctx.now - SNOOZE_LOOKBACK,
            Member.prompt_snoozed_until <= ctx.now,
            Member.weekly_prompt_enabled.is_(True),
            Member.delivery_blocked_at.is_(None),
        )
    )
    planned: list[PlannedNudge] = []
    for member_id, workspace_id, user_id, tz_name, snoozed_until in rows:
        tz = zone(tz_name)
        key, week = snooze_period_key(snoozed_until, tz), snoozed_until.astimezone(tz).isocalendar().week
        planned.append(PlannedNudge(workspace_id, member_id, user_id, key, snoozed_until, Payload(week, True)))
    return planned


MAX_OPEN_CRITERIA = 3


def pick_tip(content: Content, stage: int | None, week: int) -> Tactic:
    """A growth tactic that suits the stage (natural from ``stage + 1`` at the latest), rotating weekly."""
    reachable = (stage or 1) + 1
    suitable = [t for t in content.growth.tactics if t.best_from_stage <= reachable] or list(content.growth.tactics)
    return suitable[week % len(suitable)]


_WINS = select(func.count()).where(BragEntry.member_id == Member.id)
_MEMBER = select(
    Member.weekly_prompt_enabled,
    Member.delivery_blocked_reason,
    Member.delivery_blocked_at,
    Member.stage,
    Member.prompt_weekday,
    Member.prompt_minute,
    _WINS.where(BragEntry.created_at >= bindparam("b_week", type_=UTCDateTime())).scalar_subquery(),
    _WINS.where(BragEntry.created_at >= bindparam("b_since", type_=UTCDateTime())).scalar_subquery(),
    # Which criteria and tactics have evidence (what progress.evidence_counts answers), in the same
    # query: this runs for every prompt of a 10,000-member fan-out.
    select(func.aggregate_strings(BragEvidence.evidence_key, ","))
    .join(BragEntry, BragEvidence.entry_id == BragEntry.id)
    .where(BragEntry.member_id == Member.id)
    .scalar_subquery(),
).where(Member.id == bindparam("b_member"))


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
    """One query: the member's settings, their wins this week and the evidence keys they have."""
    snoozed = planned.snoozed
    found = session.execute(
        _MEMBER,
        {
            "b_member": row.member_id,
            "b_week": ctx.now - timedelta(days=7),
            "b_since": row.due_at - SNOOZE_LATER_TODAY if snoozed else ctx.now,
        },
    ).one_or_none()
    if found is None:
        return Skip("member no longer enrolled")
    enabled, blocked_reason, blocked_at, stage, weekday, minute, wins_this_week, wins_since_snooze, keys = found
    if not enabled:
        return Skip("weekly prompt turned off in settings")
    if blocked_at is not None:
        return Skip(f"delivery blocked: {blocked_reason}")
    if snoozed and wins_since_snooze:
        # The re-prompt is moot when a win was saved after the snooze click.
        return Skip("a win was saved since the snooze")
    stage_title = None
    open_criteria = []
    gap = None
    if stage is not None:
        # Aimed at the gap: the one criterion with the least or oldest evidence, and a question about it.
        if row.member_id is not None:
            gap = member_gap(session, ctx.content, row.member_id, stage, planned.week)
        counts = {key: 1 for key in (keys or "").split(",") if key}
        progress = stage_progress(ctx.content, stage, counts)
        stage_title = progress.stage.title
        open_criteria = progress.open_criteria[:MAX_OPEN_CRITERIA]
    payload = weekly_prompt_message(
        delivery_id=row.id,
        stage_title=stage_title,
        open_criteria=open_criteria,
        tip=pick_tip(ctx.content, stage, planned.week),
        wins_this_week=int(wins_this_week or 0),
        weekday=weekday,
        minute=minute,
        snoozed=snoozed,
        gap=gap,
    )
    return Message(text=payload["text"], blocks=payload["blocks"])


TYPE = NudgeType(KIND, plan, respecting_time(render, weekly=True), GRACE, priority=50, payload=Payload)
