"""A retried Events API delivery (same event_id, X-Slack-Retry-Num) has its effect once."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import ProcessedEvent
from bot.slack.registrar import drain
from tests.support.bots import RunningBot

HOME_OPENED = {"type": "app_home_opened", "user": "U0001", "tab": "home", "channel": "D0001"}


def test_a_retried_event_publishes_home_once(bot: RunningBot) -> None:
    assert bot.slack.event(HOME_OPENED, event_id="Ev0RETRY01").status == 200
    assert bot.slack.event(HOME_OPENED, event_id="Ev0RETRY01", retry_num=1).status == 200
    assert bot.slack.event(HOME_OPENED, event_id="Ev0RETRY01", retry_num=2).status == 200
    assert drain()
    assert len(bot.fake.calls_to("views.publish")) == 1
    with bot.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_distinct_events_each_have_their_effect(bot: RunningBot) -> None:
    bot.slack.event(HOME_OPENED, event_id="Ev0FIRST01")
    bot.slack.event(HOME_OPENED, event_id="Ev0SECOND1")
    assert drain()
    assert len(bot.fake.calls_to("views.publish")) == 2
