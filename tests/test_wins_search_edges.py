"""``/coach wins``: every date phrase answers sensibly; search folds case in any script; one export at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.blocks import ids
from bot.db.models import Member
from bot.services import brag
from bot.services.members import enroll as enroll_member
from bot.services.wins_search import parse_query
from tests.support.bots import RunningBot
from tests.support.driver import block_texts

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _seed(bot: RunningBot, *whats: str) -> None:
    with bot.db.transaction() as session:
        me = enroll_member(session, "T0001", "U0001", datetime(2026, 1, 1, tzinfo=UTC))
        me.timezone = "Asia/Tokyo"  # east of UTC: year 1's first midnight is before datetime's range in UTC
        for index, what in enumerate(whats):
            brag.create_entry(
                session, bot.deps.content, me, brag.WinInput(what), now=datetime(2026, 3, 1 + index, tzinfo=UTC)
            )


def _wins(bot: RunningBot, args: str) -> str:
    bot.slack.command(ids.CMD_COACH, f"wins {args}")
    return block_texts(bot.slack.responses()[0])


@pytest.mark.parametrize(
    "phrase",
    ["last 9999 years", "past 9999 months", "last 9999 days", "from 9999-12-31 to 9999-12-31", "since 0001-01-01"],
)
def test_extreme_date_phrases_answer_with_the_wins_they_cover(bot: RunningBot, phrase: str) -> None:
    _seed(bot, "Shipped the retry budgets")
    bot.clock.set(NOW)
    text = _wins(bot, phrase)
    assert "went wrong" not in text.lower()
    if phrase.startswith("from 9999"):
        assert "No wins" in text
    else:
        assert "Shipped the retry budgets" in text


@pytest.mark.parametrize("timezone", ["Asia/Tokyo", "Pacific/Kiritimati", "America/Los_Angeles", "UTC"])
def test_every_accepted_phrase_parses_at_the_ends_of_the_calendar(timezone: str) -> None:
    member = Member(timezone=timezone)
    for phrase in ["since 0001-01-01", "from 0001-01-01 to 9999-12-31", "last 9999 years", "since 9999-12-31"]:
        query = parse_query(phrase, member, NOW)
        assert query.since is None or query.since.tzinfo is not None
        assert query.until is None or query.until.tzinfo is not None


def test_search_folds_case_in_any_script_on_both_databases(bot: RunningBot) -> None:
    _seed(bot, "Équipe onboarding guide written", "ΣΥΝΑΝΤΗΣΗ with the platform team", "Unrelated win")
    bot.clock.set(NOW)
    text = _wins(bot, "équipe")
    assert "Équipe onboarding" in text and "Unrelated" not in text
    assert "ΣΥΝΑΝΤΗΣΗ" in _wins(bot, "συνάντηση".replace("ά", "α"))
    assert "Équipe onboarding" in _wins(bot, "ÉQUIPE")


def test_exports_run_two_at_a_time_and_a_third_gets_a_clear_answer(bot: RunningBot) -> None:
    _seed(bot, "Shipped the retry budgets")
    bot.clock.set(NOW)
    # Slack takes 1 s to hand out each upload URL: the first exports are still being sent for that long.
    bot.fake.delays["files.getUploadURLExternal"] = 1.0
    for user in ("U0001", "U0002", "U0003"):
        bot.slack.command("/coach", "export", user=user, response_name=f"export-{user}")
    answers = {user: str(bot.slack.responses(f"export-{user}", count=1)) for user in ("U0001", "U0002", "U0003")}
    refused = [user for user, text in answers.items() if "other people's exports" in text]
    assert len(refused) == 1
    for user in set(answers) - set(refused):
        assert "Sent:" in block_texts(bot.slack.responses(f"export-{user}", count=2, timeout=15)[1])
    # One member's second export waits for their first (their requests run in order), never alongside it.
    bot.fake.delays.clear()
    bot.slack.command("/coach", "export", user="U0001", response_name="again-1")
    bot.slack.command("/coach", "export", user="U0001", response_name="again-2")
    assert "Sent:" in block_texts(bot.slack.responses("again-1", count=2, timeout=15)[1])
    assert "Sent:" in block_texts(bot.slack.responses("again-2", count=2, timeout=15)[1])
    first_done = bot.slack.fake.response_times["again-1"][1]
    second_started = bot.slack.fake.response_times["again-2"][0]
    assert second_started >= first_done
