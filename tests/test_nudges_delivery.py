"""The generic delivery loop: 429s and 5xx, reconciliation, claims, tokens per workspace, channel recipients."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import DeliveryStatus, Member, NudgeDelivery, NudgeKind
from bot.nudges import ledger, registry
from bot.nudges.kinds import weekly_prompt
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.webapi.tokens import InstalledTokens, TokenSource
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import (
    delivery_ids,
    dms,
    enroll,
    enroll_many,
    fast,
    ledger_rows,
    posted_per_user,
    simulated_slack_clock,
    tick,
    utc,
)

FRIDAY_1600_NY = utc(2026, 11, 20, 21, 0)
WEEKLY = NudgeKind.WEEKLY_PROMPT.value


@pytest.mark.slow
def test_429s_and_500s_still_deliver_every_prompt_exactly_once(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    users = enroll_many(db, 30)
    simulated_slack_clock(fake_slack, FRIDAY_1600_NY)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1, times=4)
    fake_slack.fail_next("chat.postMessage", status=500, times=3)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    fake_slack.fail_next("chat.postMessage", status=503, times=2)
    first = tick(deps, FRIDAY_1600_NY)
    # 429s are waited out within the tick; 5xx rows back off (30 s) and are retried, after a check
    # that they did not land, by the next minute's tick.
    assert first.sent == 30 - 5 and first.retry_later == 5
    for minute in range(1, 4):
        tick(deps, FRIDAY_1600_NY + timedelta(minutes=minute))
    landed = posted_per_user(fake_slack)
    assert landed == Counter({"D" + user[1:]: 1 for user in users})
    assert all(count == 1 for count in delivery_ids(fake_slack).values())
    assert {r.status for r in ledger_rows(db, WEEKLY)} == {DeliveryStatus.SENT.value}
    assert len(fake_slack.calls_to("conversations.history")) == 5


def test_a_dropped_connection_after_slack_posted_is_not_sent_twice(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    enroll(db, "U1")
    simulated_slack_clock(fake_slack, FRIDAY_1600_NY)

    def post_then_drop(params: dict[str, Any], token: str | None) -> dict[str, Any]:
        del fake_slack.handlers["chat.postMessage"]
        fake_slack._answer("chat.postMessage", params, token)  # Slack posted it...
        raise ConnectionResetError("...and the connection dropped before the answer")

    fake_slack.handlers["chat.postMessage"] = post_then_drop
    report = tick(deps, FRIDAY_1600_NY)
    assert report.sent == 0 and report.retry_later == 1
    [row] = ledger_rows(db, WEEKLY)
    assert row.status == DeliveryStatus.SENDING.value and (row.last_error or "").startswith("uncertain")
    tick(deps, FRIDAY_1600_NY + timedelta(minutes=1))
    [row] = ledger_rows(db, WEEKLY)
    assert row.status == DeliveryStatus.SENT.value and row.channel_id == "D1"
    assert len(fake_slack.messages["D1"]) == 1
    # Found through the DM's history (the channel was looked up once: no earlier message to U1).
    assert len(fake_slack.calls_to("conversations.open")) == 1
    assert len(fake_slack.calls_to("conversations.history")) == 1


def test_stale_claims_are_reconciled_using_the_known_dm_channel(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    """A crash left two rows 'sending': one had reached Slack, one had not."""
    member_a, member_b = enroll(db, "UA"), enroll(db, "UB")
    simulated_slack_clock(fake_slack, FRIDAY_1600_NY)
    claimed_at = FRIDAY_1600_NY - timedelta(minutes=20)
    with db.transaction() as session:
        ws = session.scalar(select(Member.workspace_id))
        for member_id, user in ((member_a, "UA"), (member_b, "UB")):
            # An earlier message to each user tells us their DM channel: no conversations.open.
            session.add(
                NudgeDelivery(
                    workspace_id=ws,
                    member_id=member_id,
                    kind=WEEKLY,
                    recipient_id=user,
                    period_key="2026-W46",
                    due_at=claimed_at - timedelta(days=7),
                    next_attempt_at=claimed_at - timedelta(days=7),
                    created_at=claimed_at - timedelta(days=7),
                    status="sent",
                    channel_id="D" + user[1:],
                )
            )
            session.add(
                NudgeDelivery(
                    workspace_id=ws,
                    member_id=member_id,
                    kind=WEEKLY,
                    recipient_id=user,
                    period_key="2026-W47",
                    payload={"week": 47, "snoozed": False},
                    due_at=claimed_at,
                    next_attempt_at=claimed_at + timedelta(minutes=5),
                    created_at=claimed_at,
                    status="sending",
                    attempts=1,
                    claimed_by="crashed:1:x",
                    attempt_started_at=claimed_at,
                )
            )
        session.flush()
        stale_a = session.scalar(
            select(NudgeDelivery.id).where(NudgeDelivery.recipient_id == "UA", NudgeDelivery.status == "sending")
        )
    # UA's message made it to Slack before the crash.
    fake_slack.messages["DA"].append(
        {
            "ts": f"{claimed_at.timestamp() + 2:.6f}",
            "text": "prompt",
            "metadata": {"event_type": "stagecoach_nudge", "event_payload": {"delivery_id": stale_a}},
        }
    )
    report = tick(deps, FRIDAY_1600_NY)
    assert report.sent == 2
    assert [p["channel"] for p in dms(fake_slack)] == ["UB"]
    assert fake_slack.calls_to("conversations.open") == []
    assert {c.params["channel"] for c in fake_slack.calls_to("conversations.history")} == {"DA", "DB"}
    assert all(r.status == "sent" for r in ledger_rows(db, WEEKLY))


def test_a_claim_is_exclusive_and_a_live_lease_is_respected(db: Database, deps: Any) -> None:
    enroll(db, "U1")
    with db.transaction() as session:
        planned = weekly_prompt.plan(session, Context(deps.content, deps.settings, FRIDAY_1600_NY))
        nudge_type = registry.by_kind()[WEEKLY]
        assert ledger.ensure(session, nudge_type, planned, FRIDAY_1600_NY).due == 1
        assert ledger.ensure(session, nudge_type, planned, FRIDAY_1600_NY).due == 0
    lease = timedelta(minutes=5)
    with db.transaction() as session:
        first = ledger.claim(session, "one", FRIDAY_1600_NY, lease)
    with db.transaction() as session:
        second = ledger.claim(session, "two", FRIDAY_1600_NY + timedelta(minutes=1), lease)
    assert first is not None and not first.uncertain and second is None
    with db.transaction() as session:
        assert ledger.claim(session, "two", FRIDAY_1600_NY + timedelta(minutes=4), lease) is None
    with db.transaction() as session:
        takeover = ledger.claim(session, "two", FRIDAY_1600_NY + timedelta(minutes=6), lease)
        assert takeover is not None and takeover.uncertain and takeover.attempts == 2
        # The first claimant lost its lease: its outcome is not recorded over the new owner's.
        assert not ledger.mark_sent(session, first, "one", "D1", "1.1", FRIDAY_1600_NY)
        assert ledger.mark_sent(session, takeover, "two", "D1", "1.2", FRIDAY_1600_NY)


def test_a_refused_token_holds_the_workspace_back_without_losing_anything(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    enroll(db, "U1")
    enroll(db, "U2")
    fake_slack.error_next("chat.postMessage", "invalid_auth")
    report = tick(deps, FRIDAY_1600_NY, stagecoach_send_workers=1)
    assert report.sent == 0 and report.retry_later == 1  # the second row was not even tried
    assert {r.status for r in ledger_rows(db, WEEKLY)} == {"due"}
    with db.transaction() as session:
        assert session.scalar(select(Member.delivery_blocked_at).where(Member.slack_user_id == "U1")) is None
    tick(deps, FRIDAY_1600_NY + timedelta(minutes=1))
    tick(deps, FRIDAY_1600_NY + timedelta(hours=1, minutes=1))
    assert posted_per_user(fake_slack) == Counter({"D1": 1, "D2": 1})
    assert {r.status for r in ledger_rows(db, WEEKLY)} == {"sent"}


def test_transient_errors_are_retried_a_bounded_number_of_times(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "U1")
    fake_slack.error_next("chat.postMessage", "internal_error", times=50)
    at = FRIDAY_1600_NY
    for _ in range(8):
        tick(deps, at, max_attempts=3)
        at += timedelta(minutes=10)
    [row] = ledger_rows(db, WEEKLY)
    assert row.status == "failed" and "gave up after 3 attempts" in (row.last_error or "")
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


def test_each_workspace_uses_its_installed_token(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    store = SQLAlchemyInstallationStore(client_id="111.222", engine=db.engine)
    for team in ("T0001", "T0002"):
        store.save(
            Installation(
                app_id="A0001",
                team_id=team,
                bot_token=f"xoxb-{team}",
                bot_id="B1",
                bot_user_id="UBOT",
                user_id="U0INSTALLER",
                installed_at=FRIDAY_1600_NY.timestamp(),
            )
        )
    enroll(db, "U1", team_id="T0001")
    enroll(db, "U2", team_id="T0002")
    enroll(db, "U3", team_id="T0003")  # no installation: nothing to send with
    tokens: TokenSource = InstalledTokens(store)
    from bot.tick.run import run_tick

    report = run_tick(fast(deps), tokens, FRIDAY_1600_NY)
    sent = {c.params["channel"]: c.token for c in fake_slack.calls_to("chat.postMessage")}
    assert sent == {"U1": "xoxb-T0001", "U2": "xoxb-T0002"}
    assert report.skipped == 1
    [orphan] = [r for r in ledger_rows(db, WEEKLY) if r.recipient_id == "U3"]
    assert orphan.status == "skipped" and orphan.last_error == "no bot token for this workspace"


# -- the framework: a kind that posts to a channel, as the manager digest will -----------------


def _plan_channel(session: Session, ctx: Context) -> list[PlannedNudge]:
    members = session.execute(select(Member.id, Member.workspace_id, Member.digest_channel_id)).all()
    return [
        PlannedNudge(ws, member_id, channel, "2026-W47", utc(2026, 11, 23, 14, 0))
        for member_id, ws, channel in members
        if channel and ctx.now >= utc(2026, 11, 23, 14, 0)
    ]


def _render_channel(session: Session, ctx: Context, row: DeliveryRow, _payload: object) -> Message | Skip:
    return Message(text=f"digest for {row.period_key}", blocks=[])


def test_a_new_kind_with_a_channel_recipient_plugs_into_the_same_loop(
    db: Database, deps: Any, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    forgotten: list[str] = []

    def forget_channel(session: Session, row: DeliveryRow, error: str) -> None:
        forgotten.append(f"{row.recipient_id}:{error}")

    digest = NudgeType(
        kind=NudgeKind.DIGEST.value,
        plan=_plan_channel,
        render=_render_channel,
        grace=timedelta(hours=6),
        priority=60,
        on_permanent_error=forget_channel,
    )
    # Stand in for the real digest kind, to show the loop itself serves any channel-recipient kind.
    others = [t for t in registry.NUDGE_TYPES if t.kind != NudgeKind.DIGEST.value]
    monkeypatch.setattr(registry, "NUDGE_TYPES", [*others, digest])
    enroll(db, "UMANAGER", "UTC", digest_channel_id="CTEAM", weekly_prompt_enabled=False)
    enroll(db, "UOTHER", "UTC", digest_channel_id="CGONE", weekly_prompt_enabled=False)
    fake_slack.channels_without_bot.add("CGONE")
    report = tick(deps, utc(2026, 11, 23, 14, 0))
    tick(deps, utc(2026, 11, 23, 14, 1))
    assert report.sent == 1 and report.failed == 1
    assert [m["text"] for m in fake_slack.messages["CTEAM"]] == ["digest for 2026-W47"]
    assert forgotten == ["CGONE:not_in_channel"]
    with db.transaction() as session:
        # A channel refusing us does not block the member's own DMs.
        assert session.scalar(select(Member.delivery_blocked_at).where(Member.slack_user_id == "UOTHER")) is None
    rows = {r.recipient_id: r for r in ledger_rows(db, NudgeKind.DIGEST.value)}
    assert rows["CTEAM"].status == "sent" and rows["CTEAM"].channel_id == "CTEAM"
    assert rows["CGONE"].status == "failed"


def test_timezones_are_refreshed_daily_from_one_users_list_pass(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "UMOVED", "America/New_York")
    enroll(db, "UPICKED", "Europe/Paris", timezone_from_slack=False)
    enroll(db, "UGONE", "UTC")
    for index in range(450):
        fake_slack.users[f"UX{index:04d}"] = {"tz": "UTC"}
    fake_slack.users["UMOVED"] = {"tz": "Asia/Kolkata"}
    fake_slack.users["UPICKED"] = {"tz": "Asia/Tokyo"}
    fake_slack.users["UGONE"] = {"tz": "UTC", "deleted": True}
    tick(deps, utc(2026, 11, 20, 3, 0))
    tick(deps, utc(2026, 11, 20, 3, 1))
    assert len(fake_slack.calls_to("users.list")) == 3  # 453 people, 200 a page; once that day
    assert all(c.params.get("limit") in {200, "200"} for c in fake_slack.calls_to("users.list"))
    assert fake_slack.calls_to("users.info") == []
    with db.transaction() as session:
        members = {m.slack_user_id: m for m in session.scalars(select(Member))}
    assert members["UMOVED"].timezone == "Asia/Kolkata"
    assert members["UPICKED"].timezone == "Europe/Paris"
    assert members["UGONE"].delivery_blocked_reason == "user_deleted"
    tick(deps, utc(2026, 11, 21, 0, 5))
    assert len(fake_slack.calls_to("users.list")) == 6
