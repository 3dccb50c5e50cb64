"""The registrar's routing (one Bolt listener per kind) and acks-first scheduling, over signed HTTP."""

from __future__ import annotations

import threading
import time

import pytest
from slack_bolt import App

from bot.blocks import ids
from bot.slack.executor import PostAckExecutor
from bot.slack.pacing import ACKS_QUIET, AcksInFlight
from bot.slack.registrar import Registrar
from tests.support.bots import RunningBot


def test_bolt_sees_one_listener_per_kind(bot: RunningBot) -> None:
    registrar = bot.built.registrar
    assert len(registrar.actions) > 20
    # commands, actions, views, shortcuts, events: five listeners for Bolt to try, whatever their count.
    assert len(bot.built.app._listeners) == 5


def test_an_unknown_id_stays_unhandled_and_calls_nothing(bot: RunningBot) -> None:
    before = len(bot.slack.fake.calls)
    reply = bot.slack.click("no_such_action", "1")
    assert reply.status == 404  # Bolt's answer to a request no listener matches
    unknown_command = bot.slack.command("/no-such-command", "x")
    assert unknown_command.status == 404
    assert len(bot.slack.fake.calls) == before
    assert not bot.slack.fake.responses[bot.slack.last_response_name]


def test_a_known_id_reaches_its_own_handler(bot: RunningBot) -> None:
    reply = bot.slack.command(ids.CMD_STAGE, "2")
    assert reply.status == 200
    [answer] = bot.slack.responses()
    assert "Stage 2" in str(answer)


def test_an_id_registered_twice_is_refused() -> None:
    registrar = Registrar(
        App(signing_secret="s", token="xoxb-x", token_verification_enabled=False), PostAckExecutor(1, 1)
    )

    def handler(ack: object) -> None: ...

    registrar.command("/x", handler)
    with pytest.raises(ValueError, match="registered twice"):
        registrar.command("/x", handler)


def test_post_ack_work_waits_for_acks_in_flight_then_runs() -> None:
    executor = PostAckExecutor(2, 10)
    started: list[float] = []
    try:
        with executor.acks:
            executor.submit("job", lambda: started.append(time.monotonic()))
            time.sleep(0.05)
            assert started == []  # an ack is still being written
            acked_at = time.monotonic()
        assert executor.drain(2)
        assert started and started[0] >= acked_at
    finally:
        executor.shutdown(1)


def test_waiting_for_acks_is_bounded() -> None:
    acks = AcksInFlight()
    with acks:  # an ack that never finishes (a stuck client connection) delays work by the bound only
        began = time.monotonic()
        acks.wait_quiet(limit=0.1)
        assert 0.09 <= time.monotonic() - began < 1.0


def test_trigger_bound_work_waits_for_acks_too() -> None:
    executor = PostAckExecutor(1, 1)
    opened = threading.Event()
    try:
        with executor.acks:
            executor.start_trigger_bound("open modal", opened.set)
            assert not opened.wait(0.05)
        assert opened.wait(2)
    finally:
        executor.shutdown(1)


def test_work_starts_only_after_acks_have_been_quiet_for_a_moment() -> None:
    acks = AcksInFlight()
    with acks:
        pass
    ack_ended = time.monotonic()
    acks.wait_quiet(limit=1.0)
    # A burst's requests arrive milliseconds apart: work waits out ACKS_QUIET after the last ack.
    assert time.monotonic() - ack_ended >= ACKS_QUIET * 0.9
    began = time.monotonic()
    acks.wait_quiet(limit=1.0)  # long quiet already: no wait
    assert time.monotonic() - began < ACKS_QUIET
