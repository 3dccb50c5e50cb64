"""Growth over time (issue 15), over signed HTTP and ``tick --at`` semantics, on the database under test.

Decide / propose / learn on wins; readiness that is sustained over months; the review conversation
(self-rating, the invited manager's rating, the private agenda); the manager's involvement by stage.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks import ids
from bot.blocks.limits import message_problems, view_problems
from bot.db.models import BragEntry, EntrySource, Member, NudgeKind, ReviewConversation, Visibility
from bot.services import brag
from tests.support.bots import RunningBot, update_member
from tests.support.brag import (
    buttons,
    count,
    element,
    open_home,
    opened_view,
    team_details,
    view_of,
    wait_for_call,
    win_values,
)
from tests.support.driver import block_texts
from tests.support.nudges import dms, ledger_rows, tick
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
PRICING = "decided to use a feature flag for the pricing launch"


def enroll(bot: RunningBot, user: str, **values: Any) -> None:
    """Enroll ``user`` over HTTP (a /stage command), then set what the test needs straight in the database."""
    bot.slack.command("/stage", "", user=user)
    bot.slack.responses()
    update_member(bot, user, **values)


def add_win(
    bot: RunningBot,
    user: str,
    what: str,
    at: datetime,
    keys: list[str],
    shared: bool = False,
    visibility: Visibility | None = None,
) -> None:
    with bot.db.transaction() as session:
        row = session.scalars(select(Member).where(Member.slack_user_id == user)).one()
        brag.create_entry(
            session,
            bot.deps.content,
            row,
            brag.WinInput(
                what,
                evidence_keys=keys,
                visibility=visibility or (Visibility.MANAGER if shared else Visibility.PRIVATE),
            ),
            now=at,
            source=EntrySource.COMMAND,
        )


def only_entry(bot: RunningBot) -> BragEntry:
    with bot.db.transaction() as session:
        return session.scalars(select(BragEntry)).one()


def entries_of(bot: RunningBot) -> list[BragEntry]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(BragEntry).order_by(BragEntry.id)))


# -- decide / propose / learn --------------------------------------------------------------------


def test_a_decided_win_is_tagged_decided_and_counts_for_the_you_decide_item(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    enroll(bot, "U0001", stage=2)
    bot.slack.command("/win", PRICING, user="U0001")
    [answer] = bot.slack.responses()
    text = block_texts(answer)
    # Guessed from the words, it counts for nothing until the person picks it (from the card's menu: the
    # card's one "Looks like" line is the evidence it suggests).
    assert text.count("Looks like:") == 1 and "I decided: When to ship" not in text
    assert only_entry(bot).growth_signal == "decided" and not only_entry(bot).growth_signal_chosen
    assert "`You decide ` ▱▱▱▱▱ 0/4" in block_texts(open_home(bot))
    bot.slack.click(ids.WIN_CARD_MORE, selected=f"decided:{only_entry(bot).id}", user="U0001")
    [tapped] = bot.slack.responses()
    assert ":compass: I decided: When to ship" in block_texts(tapped) and only_entry(bot).growth_signal_chosen
    home = block_texts(open_home(bot))
    assert "*Decide, propose, learn: Stage 2: Feature Owner, by quarter*" in home
    assert "*2026 Q4* · 1 win" in home
    assert "`You decide ` ▰▱▱▱▱ 1/4: When to ship" in home
    assert "`You propose` ▱▱▱▱▱ 0/4" in home

    # One tap changes it; someone else's tap changes nothing.
    entry_id = str(only_entry(bot).id)
    bot.slack.click(ids.WIN_SIGNAL_PROPOSED, entry_id, user="U0666")
    assert "isn't in your brag document" in block_texts(bot.slack.responses()[0])
    assert only_entry(bot).growth_signal == "decided"
    bot.slack.click(ids.WIN_SIGNAL_LEARNED, entry_id, user="U0001")
    [changed] = bot.slack.responses()
    assert ":compass: I decided: When to ship" not in block_texts(changed)
    assert only_entry(bot).growth_signal == "learned"


def test_the_modal_suggests_from_the_text_and_the_person_can_override(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    enroll(bot, "U0001", stage=2)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL, user="U0001")
    view = opened_view(bot, before)
    assert element(view, ids.WIN_SIGNAL_BLOCK)["initial_option"]["value"] == "auto"
    values = win_values(what="proposed a new queue library for the importer")
    values[ids.WIN_SIGNAL_BLOCK] = {ids.WIN_INPUT: {"type": "static_select", "selected_option": {"value": "auto"}}}
    reply = bot.slack.submit_view(view, values, user="U0001")
    saved = block_texts(reply.json()["view"])
    assert ":bulb: *Proposed*" in saved and "You propose: New tools or libraries" in saved
    assert only_entry(bot).growth_signal == "proposed"
    # One tap in the "Win saved" modal updates that modal.
    before = count(bot.fake, "views.update")
    bot.slack.click(ids.WIN_SIGNAL_DECIDED, str(only_entry(bot).id), user="U0001", view=reply.json()["view"])
    updated = wait_for_call(bot.fake, "views.update", before)
    assert ":compass: *Decided*" in block_texts(view_of(updated))
    assert only_entry(bot).growth_signal == "decided"
    bot.slack.click(ids.WIN_SIGNAL_PROPOSED, str(only_entry(bot).id), user="U0001", view=reply.json()["view"])
    assert eventually(lambda: only_entry(bot).growth_signal == "proposed")

    # Editing: the modal shows the stored signal; picking "None of these" clears it.
    entry_id = str(only_entry(bot).id)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_EDIT, entry_id, user="U0001")
    edit = opened_view(bot, before)
    assert element(edit, ids.WIN_SIGNAL_BLOCK)["initial_option"]["value"] == "proposed"
    values = win_values(what="proposed a new queue library for the importer")
    values[ids.WIN_SIGNAL_BLOCK] = {ids.WIN_INPUT: {"type": "static_select", "selected_option": {"value": "none"}}}
    assert bot.slack.submit_view(edit, values, user="U0001").status == 200
    assert eventually(lambda: only_entry(bot).growth_signal is None)


# -- readiness that is sustained -----------------------------------------------------------------


def test_every_criterion_in_one_month_is_not_ready_three_months_of_next_stage_evidence_is(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    enroll(bot, "U0001", stage=2, timezone="UTC", timezone_from_slack=False)
    content = bot.deps.content
    keys = [c.key for c in content.stage(2).exit_criteria]
    next_key = content.stage(3).exit_criteria[0].key
    add_win(bot, "U0001", "all of stage 2 at once", datetime(2026, 11, 10, tzinfo=UTC), [*keys, next_key])
    home = block_texts(open_home(bot))
    assert "may be ready" not in home.lower()
    assert "*Not yet ready for Stage 3: System Owner.*" in home
    assert "Next-stage evidence in 1 of the last 6 months (needs 3)" in home
    assert "Months without any" not in home
    assert "Exit criteria without evidence" not in home

    # A decision from Stage 3's "You decide" list counts as next-stage evidence too (the matcher finds it),
    # but only once the person picked "Decided" themselves: a signal guessed from the text counts for nothing.
    add_win(bot, "U0001", "Decided the system architecture for billing", datetime(2026, 9, 3, tzinfo=UTC), [])
    decided = next(e for e in entries_of(bot) if e.what.startswith("Decided"))
    assert decided.growth_signal == "decided" and not decided.growth_signal_chosen
    home = block_texts(open_home(bot))
    assert "Next-stage evidence in 1 of the last 6 months" in home
    bot.slack.click(ids.WIN_SIGNAL_DECIDED, str(decided.id), user="U0001")
    assert eventually(lambda: next(e for e in entries_of(bot) if e.id == decided.id).growth_signal_chosen)
    home = block_texts(open_home(bot))
    assert "Next-stage evidence in 2 of the last 6 months" in home and "may be ready" not in home.lower()
    add_win(bot, "U0001", "ran the cross-team reliability work", datetime(2026, 7, 20, tzinfo=UTC), [next_key])
    home = block_texts(open_home(bot))
    assert ":seedling: *You may be ready for Stage 3: System Owner*" in home
    assert "next-stage work shows in 3 of the last 6 months" in home
    # Evidence older than the window does not count: the same wins a year on are not enough.
    bot.clock.set(NOW + timedelta(days=365))
    assert "may be ready" not in block_texts(open_home(bot)).lower()


def test_readiness_shows_which_criteria_are_missing(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    enroll(bot, "U0001", stage=2, timezone="UTC", timezone_from_slack=False)
    stage = bot.deps.content.stage(2)
    add_win(bot, "U0001", "first proof", datetime(2026, 11, 10, tzinfo=UTC), [stage.exit_criteria[0].key])
    home = block_texts(open_home(bot))
    # Each missing criterion shows once, in the one progress view; readiness waits for next-stage history.
    for criterion in stage.exit_criteria[1:]:
        assert home.count(f":white_circle: {criterion.text}") == 1
    assert "Exit criteria without evidence" not in home
    assert "Not yet ready" not in home


# -- the review conversation ---------------------------------------------------------------------

REVIEW = date(2026, 12, 14)
ASK_AT = datetime(2026, 11, 30, 9, 0, tzinfo=NY)  # 14 days before, 09:00 New York time


def rating_asks(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    """DMs asking ``user`` to rate themselves: the first review packet carries the ask (issue #22)."""
    return [m for m in dms(bot.fake, user) if "Rate my exit criteria" in str(m["blocks"])]


def set_up_review(bot: RunningBot) -> None:
    enroll(
        bot,
        "U0001",
        stage=2,
        timezone="America/New_York",
        timezone_from_slack=False,
        review_date=REVIEW,
        manager_slack_user_id="UMGR",
        display_name="Ana",
    )
    enroll(bot, "UMGR", timezone="America/New_York", timezone_from_slack=False)
    first = bot.deps.content.stage(2).exit_criteria[0].key
    add_win(bot, "U0001", "secret private win", datetime(2026, 11, 2, tzinfo=UTC), [first])
    add_win(bot, "U0001", "shared migration win", datetime(2026, 11, 3, tzinfo=UTC), [first], shared=True)
    bot.fake.reset()


def test_the_rating_ask_arrives_14_days_before_at_0900_local(bot: RunningBot) -> None:
    set_up_review(bot)
    tick(bot.deps, ASK_AT - timedelta(minutes=1))
    assert rating_asks(bot, "U0001") == []
    tick(bot.deps, ASK_AT)
    tick(bot.deps, ASK_AT + timedelta(minutes=1))
    [ask] = rating_asks(bot, "U0001")
    assert message_problems({"text": ask["text"], "blocks": ask["blocks"]}) == []
    assert "Rate my exit criteria" in str(ask) and "Only you see your ratings" in str(ask)
    # One message: the packet and the ask together, not two in the same minute.
    assert len(dms(bot.fake, "U0001")) == 1 and "here is your packet" in ask["text"]
    [row] = ledger_rows(bot.db, NudgeKind.REVIEW_REMINDER.value)
    assert row.due_at == ASK_AT.astimezone(UTC) and row.recipient_id == "U0001"
    assert dms(bot.fake, "UMGR") == []  # nothing reaches the manager unless the report invites them


def rate(bot: RunningBot, view: dict[str, Any], levels: list[int], user: str, invite: bool = False) -> dict[str, Any]:
    criteria = bot.deps.content.stage(2).exit_criteria
    values: dict[str, dict[str, dict[str, Any]]] = {
        ids.RATING_BLOCK_PREFIX + c.key: {
            ids.RATING_INPUT: {"type": "radio_buttons", "selected_option": {"value": str(level)}}
        }
        for c, level in zip(criteria, levels, strict=True)
    }
    if invite:
        values[ids.RATING_INVITE_BLOCK] = {
            ids.RATING_INPUT: {"type": "checkboxes", "selected_options": [{"value": "invite"}]}
        }
    reply = bot.slack.submit_view(view, values, user=user)
    assert reply.status == 200
    return dict(reply.json() or {})


def self_rate(bot: RunningBot, levels: list[int], invite: bool) -> dict[str, Any]:
    tick(bot.deps, ASK_AT)
    bot.clock.set(ASK_AT + timedelta(minutes=1))  # the report rates a minute after the ask arrived
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.RATING_OPEN_SELF, REVIEW.isoformat(), user="U0001")
    view = opened_view(bot, before)
    assert view_problems(view) == []
    assert len([b for b in view["blocks"] if b.get("block_id", "").startswith(ids.RATING_BLOCK_PREFIX)]) == 6
    assert any(b.get("block_id") == ids.RATING_INVITE_BLOCK for b in view["blocks"])
    return rate(bot, view, levels, "U0001", invite=invite)


def manager_rates(bot: RunningBot, levels: list[int]) -> str:
    """The invitation arrives at the next tick; the manager opens the form and rates. Returns what they saw."""
    tick(bot.deps, ASK_AT + timedelta(minutes=5))
    [invite] = dms(bot.fake, "UMGR")
    conversation = wait_for_button(invite, ids.RATING_OPEN_MANAGER)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.RATING_OPEN_MANAGER, conversation, user="UMGR")
    view = opened_view(bot, before)
    assert view_problems(view) == []
    # The manager's form starts blank: none of the report's ratings are in it.
    assert all("initial_option" not in b.get("element", {}) for b in view["blocks"])
    rate(bot, view, levels, "UMGR")
    return str(invite) + str(view)


def wait_for_button(message: dict[str, Any], action_id: str) -> str:
    for block in message["blocks"]:
        for item in block.get("elements", []):
            if item.get("action_id") == action_id:
                return str(item["value"])
    raise AssertionError(f"no {action_id} button")


def agendas(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return [m for m in dms(bot.fake, user) if "Your 1:1 agenda" in str(m["blocks"])]


def test_an_invited_manager_sees_only_criteria_and_a_two_level_gap_makes_a_private_agenda(bot: RunningBot) -> None:
    set_up_review(bot)
    criteria = bot.deps.content.stage(2).exit_criteria
    saved = self_rate(bot, [2, 1, 1, 1, 1, 1], invite=True)
    assert "I've asked <@UMGR> to rate the same criteria" in block_texts(saved["view"])
    # A stranger replaying the manager's button gets nothing.
    with bot.db.transaction() as session:
        conversation_id = session.scalars(select(ReviewConversation.id)).one()
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.RATING_OPEN_MANAGER, str(conversation_id), user="U0666")
    assert "Only a manager the report invited" in block_texts(bot.slack.responses()[0])
    assert count(bot.fake, "views.open") == before

    seen = manager_rates(bot, [0, 2, 1, 1, 1, 1])
    assert "secret private win" not in seen and "shared migration win" not in seen
    assert criteria[0].text in seen  # the criteria, and only those
    tick(bot.deps, ASK_AT + timedelta(minutes=10))
    tick(bot.deps, ASK_AT + timedelta(minutes=11))
    [mine] = agendas(bot, "U0001")
    [theirs] = agendas(bot, "UMGR")
    for copy in (mine, theirs):
        assert message_problems({"text": copy["text"], "blocks": copy["blocks"]}) == []
        text = block_texts(copy)
        assert criteria[0].text in text  # not yet vs consistently: two levels apart
        assert criteria[1].text not in text  # sometimes vs consistently: one level, not on the agenda
    assert "secret private win" in block_texts(mine) and "shared migration win" in block_texts(mine)
    assert "you: *consistently* · your manager: *not yet*" in block_texts(mine)
    assert "secret private win" not in str(theirs)
    assert "shared migration win" in block_texts(theirs)
    assert all("secret private win" not in str(m) for m in dms(bot.fake, "UMGR"))


def test_a_one_level_gap_makes_no_agenda(bot: RunningBot) -> None:
    set_up_review(bot)
    self_rate(bot, [1, 1, 1, 1, 1, 1], invite=True)
    manager_rates(bot, [2, 2, 0, 0, 1, 1])
    tick(bot.deps, ASK_AT + timedelta(minutes=10))
    assert agendas(bot, "U0001") == [] and agendas(bot, "UMGR") == []
    assert ledger_rows(bot.db, NudgeKind.REVIEW_AGENDA.value) == []


def test_no_invitation_means_the_manager_gets_nothing_and_cannot_rate(bot: RunningBot) -> None:
    set_up_review(bot)
    self_rate(bot, [2, 2, 2, 2, 2, 2], invite=False)
    tick(bot.deps, ASK_AT + timedelta(minutes=5))
    assert dms(bot.fake, "UMGR") == []
    with bot.db.transaction() as session:
        conversation_id = session.scalars(select(ReviewConversation.id)).one()
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.RATING_OPEN_MANAGER, str(conversation_id), user="UMGR")
    assert "Only a manager the report invited" in block_texts(bot.slack.responses()[0])
    assert count(bot.fake, "views.open") == before


# -- involvement by stage ------------------------------------------------------------------------


def test_the_managers_home_and_digest_show_each_reports_involvement_trend_and_prompt(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    content = bot.deps.content
    enroll(bot, "U0001", stage=1, manager_slack_user_id="UMGR", display_name="Ana")
    enroll(bot, "U0002", stage=3, manager_slack_user_id="UMGR", display_name="Ben")
    enroll(bot, "UMGR", timezone="UTC", timezone_from_slack=False, digest_channel_id="C0TEAM")
    s1 = content.stage(1).exit_criteria
    add_win(bot, "U0001", "shared in october", datetime(2026, 10, 5, tzinfo=UTC), [s1[0].key], shared=True)
    add_win(bot, "U0001", "shared in november", datetime(2026, 11, 5, tzinfo=UTC), [s1[0].key], shared=True)
    add_win(bot, "U0001", "private in september", datetime(2026, 9, 5, tzinfo=UTC), [s1[1].key])
    home = open_home(bot, "UMGR")
    assert view_problems(home) == []
    # Home leads with a row per report; their months, readiness and her part are a click away.
    row = block_texts(home)
    assert f"*Ana* · Stage 1 · 1/{len(s1)} criteria · nothing this week · 1:1: Ask about “{s1[1].text}”" in row
    assert "Your team over time" not in row
    details = team_details(bot, "UMGR")
    assert view_problems(details) == []
    text = block_texts(details)
    assert "Your team over time" in text
    for stage in (content.stage(1), content.stage(3)):
        assert stage.manager is not None
        assert ", ".join(stage.manager.meetings) in text  # e.g. "Daily standups, Weekly 1:1s, Sprint planning"
    # Ana's trend counts her shared wins only (nothing in September: that win was private).
    assert "Evidence per month: `▁▁▁▁██` Jun 0 · Jul 0 · Aug 0 · Sep 0 · Oct 1 · Nov 1" in text
    assert f"1:1: Ask about “{s1[1].text}”" in text
    assert "private in september" not in text

    # The manager's part goes to her privately; the channel digest only celebrates (issue #22).
    for user in ("U0001", "U0002"):
        add_win(bot, user, "shipped it", datetime(2026, 11, 25, tzinfo=UTC), [], visibility=Visibility.TEAM_CHANNEL)
    bot.fake.reset()
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    tick(bot.deps, monday)
    [digest] = dms(bot.fake, "UMGR")
    digest_text = block_texts(digest)
    # Her DM: each sharer's stage and progress in a line, a 1:1 idea; her part at their stage on Home.
    assert "*Ana* · Stage 1: Task Executor · `" in digest_text and "1:1 idea:" in digest_text
    assert "*Team details* on my Home" in digest_text
    assert "Your part at this stage: You: assigns tasks" in block_texts(team_details(bot, "UMGR"))
    [channel] = dms(bot.fake, "C0TEAM")
    assert "Your part" not in block_texts(channel) and "shipped it" in block_texts(channel)


def test_a_stage_change_tells_the_manager_what_changes_for_them(bot: RunningBot) -> None:
    enroll(bot, "U0001", stage=1, manager_slack_user_id="UMGR", display_name="Ana")
    at = bot.clock()
    bot.slack.click(ids.STAGE_SET_MINE, "2", user="U0001")
    bot.slack.responses()
    bot.fake.reset()
    tick(bot.deps, at + timedelta(minutes=1))
    tick(bot.deps, at + timedelta(minutes=2))
    [note] = dms(bot.fake, "UMGR")
    text = block_texts(note)
    assert "<@U0001> set their stage to Stage 2: Feature Owner (was Stage 1: Task Executor)" in text
    assert "Meetings: now Bi-weekly 1:1s, Design reviews; no longer Daily standups, Weekly 1:1s" in text
    # Setting the same stage again is no change, and tells nobody anything.
    bot.slack.click(ids.STAGE_SET_MINE, "2", user="U0001")
    bot.slack.responses()
    tick(bot.deps, at + timedelta(minutes=3))
    assert len(dms(bot.fake, "UMGR")) == 1


def test_feedback_questions_offer_the_rating_form_once_a_review_date_is_set(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    set_up_review(bot)
    bot.slack.command("/feedback-questions", "", user="U0001")
    [answer] = bot.slack.responses()
    [value] = [
        e["value"]
        for b in answer["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == ids.RATING_OPEN_SELF
    ]
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.RATING_OPEN_SELF, value, user="U0001")
    view = opened_view(bot, before)
    assert view["callback_id"] == ids.RATING_MODAL
    # A date that is not the member's review date opens nothing.
    bot.slack.click(ids.RATING_OPEN_SELF, "2027-01-01", user="U0001")
    assert "nothing to rate" in block_texts(bot.slack.responses()[0])


def test_home_leads_with_the_review_and_the_ratings_waiting(bot: RunningBot) -> None:
    set_up_review(bot)
    bot.clock.set(ASK_AT)
    home = open_home(bot, "U0001")
    first = block_texts({"blocks": home["blocks"][1:3]})
    # Fourteen days out with no self-rating yet, Home's first lines say so, with the button first.
    assert "*Your review is on Monday 14 December* (in 14 days)" in first
    assert buttons(home)[0]["action_id"] == ids.RATING_OPEN_SELF
    self_rate(bot, [2, 1, 1, 1, 1, 1], invite=True)
    home = open_home(bot, "U0001")
    assert ids.RATING_OPEN_SELF not in [b["action_id"] for b in buttons(home)]
    # The invited manager's Home leads with the rating waiting for her, then her team.
    manager = open_home(bot, "UMGR")
    lead = block_texts({"blocks": manager["blocks"][1:3]})
    assert "*Ana* asked you to rate their exit criteria before Monday 14 December" in lead
    assert buttons(manager)[0]["action_id"] == ids.RATING_OPEN_MANAGER
    texts = [block_texts({"blocks": [b]}) for b in manager["blocks"]]
    assert texts.index("Your team") < texts.index("Your own growth")
    manager_rates(bot, [0, 2, 1, 1, 1, 1])
    assert ids.RATING_OPEN_MANAGER not in [b["action_id"] for b in buttons(open_home(bot, "UMGR"))]
