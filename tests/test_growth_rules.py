"""The growth rules on their own: cue phrases, the BM25 item matcher, the sparkline, the brag document
(readiness windows are counted in the database: tests/test_growth_db.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.growth_copy import sparkline
from bot.db.models import EntrySource, GrowthSignal, Visibility
from bot.services.brag import EntrySummary
from bot.services.export import ExportData, render_markdown
from bot.services.items import matcher_for
from bot.services.readiness import MonthEvidence
from bot.services.signals import suggest_signal
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


def test_the_sparkline_scales_to_the_busiest_month() -> None:
    trend = [
        MonthEvidence(date(2026, month, 1), count)
        for month, count in zip(range(6, 12), [0, 0, 0, 1, 0, 2], strict=True)
    ]
    assert sparkline(trend) == "▁▁▁▅▁█"
    assert sparkline([MonthEvidence(date(2026, 11, 1), 0)] * 3) == "▁▁▁"


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
