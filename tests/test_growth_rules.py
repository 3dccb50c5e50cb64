"""The growth rules on their own: cue phrases, the BM25 item matcher, readiness windows, the brag document."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.db.models import EntrySource, GrowthSignal, Visibility
from bot.services.brag import EntrySummary
from bot.services.export import ExportData, render_markdown
from bot.services.growth import GrowthWin, Readiness, matcher_for, monthly_trend, readiness, sparkline, suggest_signal
from bot.services.progress import stage_progress
from bot.settings import Settings
from content import Content, load_signal_rules

UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("decided to use a feature flag for the pricing launch", "decided"),
        ("Chose Postgres over Mongo for the ledger", "decided"),
        ("proposed an RFC for retries, then we decided to ship it", "proposed"),  # the earliest cue wins
        ("Learned how our deploy pipeline works", "learned"),
        ("paired with Sam on the flaky test", "learned"),
        ("shipped the retry fix", None),
        ("the team was undecided about it", None),  # whole words only
        ("figured out the timeout was the proxy", None),  # debugging, not learning
        ("the machine learning pipeline is live", None),
        ("was selected for the on-call rotation", None),  # chosen, not choosing
    ],
)
def test_the_cue_phrases_suggest_a_signal(text: str, signal: str | None) -> None:
    assert suggest_signal(load_signal_rules(), text) == signal


@pytest.mark.parametrize(
    ("stage", "signal", "text", "item"),
    [
        (2, "decided", "decided to use a feature flag for the pricing launch", "When to ship"),
        (2, "decided", "picked the HTTP client library for the importer", "Which libraries and tools to use"),
        (2, "decided", "decided how we handle the edge cases of empty carts", "How to handle edge cases"),
        (2, "proposed", "proposed refactoring the checkout module", "Refactoring initiatives"),
        (2, "decided", "decided the system architecture for billing", "System architecture"),  # next stage
        (2, "learned", "learned to balance speed and quality on a tight deadline", "Balance speed vs. quality"),
        (1, "decided", "decided when to ask for help on the flaky build", "When to ask for help"),
        (3, "decided", "chose to buy a vendor search instead of building one", "Build vs. buy"),
    ],
)
def test_the_matcher_finds_the_roadmap_item(content: Content, stage: int, signal: str, text: str, item: str) -> None:
    found = matcher_for(content, load_signal_rules()).match(content, stage, GrowthSignal(signal), text)
    assert found is not None and found.text == item


def test_no_shared_word_matches_nothing_and_learning_never_reaches_ahead(content: Content) -> None:
    matcher = matcher_for(content, load_signal_rules())
    assert matcher.match(content, 2, GrowthSignal.DECIDED, "decided to go home early") is None
    assert matcher.match(content, 2, None, "decided the system architecture") is None
    found = matcher.match(content, 2, GrowthSignal.LEARNED, "learned how to build and motivate teams")
    assert found is None or found.stage == 2  # Learning is the member's own stage's list


def _wins(months: list[int], key: str) -> list[GrowthWin]:
    return [GrowthWin(datetime(2026, month, 10, tzinfo=UTC), "work", None, (key,)) for month in months]


def test_readiness_counts_distinct_months_within_the_window(content: Content) -> None:
    rules = load_signal_rules()
    keys = {c.key: 1 for c in content.stage(2).exit_criteria}
    progress = stage_progress(content, 2, keys)
    ahead = content.stage(3).exit_criteria[0].key

    def check(wins: list[GrowthWin], months: int, window: int) -> Readiness:
        return readiness(content, rules, progress, wins, UTC_ZONE, NOW, months=months, window=window)

    assert not check(_wins([11, 11, 11], ahead), months=3, window=6).may_be_ready
    assert check(_wins([7, 9, 11], ahead), months=3, window=6).may_be_ready
    assert not check(_wins([5, 9, 11], ahead), months=3, window=6).may_be_ready  # May is outside Jun..Nov
    assert check(_wins([5, 9, 11], ahead), months=3, window=7).may_be_ready
    assert check(_wins([9, 11], ahead), months=2, window=6).may_be_ready
    own_stage_only = _wins([7, 9, 11], content.stage(2).exit_criteria[0].key)
    assert not check(own_stage_only, months=3, window=6).may_be_ready
    missing = stage_progress(content, 2, {})
    result = readiness(content, rules, missing, _wins([7, 9, 11], ahead), UTC_ZONE, NOW, months=3, window=6)
    assert not result.may_be_ready and len(result.missing_criteria) == len(content.stage(2).exit_criteria)


def test_trend_and_sparkline() -> None:
    trend = monthly_trend(_wins([9, 11, 11], "s1-help-onboard"), UTC_ZONE, NOW, 6)
    assert [m.count for m in trend] == [0, 0, 0, 1, 0, 2]
    assert sparkline(trend) == "▁▁▁▅▁█"


def test_readiness_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGECOACH_READINESS_MONTHS", "4")
    monkeypatch.setenv("STAGECOACH_READINESS_WINDOW_MONTHS", "9")
    settings = Settings(_env_file=None)
    assert (settings.stagecoach_readiness_months, settings.stagecoach_readiness_window_months) == (4, 9)


def test_the_brag_document_shows_decide_propose_learn_by_quarter(content: Content) -> None:
    entry = EntrySummary(
        id=1,
        what="decided to use a feature flag for the pricing launch",
        impact=None,
        lesson=None,
        link=None,
        visibility=Visibility.PRIVATE,
        source=EntrySource.COMMAND,
        credited_user_id=None,
        created_at=datetime(2026, 11, 3, tzinfo=UTC),
        updated_at=datetime(2026, 11, 3, tzinfo=UTC),
        evidence_keys=(),
        growth_signal=GrowthSignal.DECIDED,
        growth_signal_chosen=True,
    )
    guessed = replace(entry, id=2, what="decided how we handle edge cases of empty carts", growth_signal_chosen=False)
    data = ExportData("U1", "T1", 2, "UTC", [entry, guessed], {}, [], [], [])
    text = render_markdown(content, data, NOW)
    assert "## Decide, propose, learn (by quarter)" in text
    # The guessed decision (edge cases) is only a suggestion: it counts for no item.
    growth = text.split("## Decide, propose, learn (by quarter)")[1]
    assert "### 2026 Q4" in growth and "- You decide (1/4): When to ship" in growth
    assert "edge cases" not in growth.lower()
    assert "  - Decided" in text
