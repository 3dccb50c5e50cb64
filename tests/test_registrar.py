"""The registrar's routing (one Bolt listener per kind), acks-first scheduling, and reservations that cannot leak."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import cast

import pytest
from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import ids
from bot.slack.acting import acting_member_id
from bot.slack.deps import DEPS_KEY
from bot.slack.executor import PostAckExecutor
from bot.slack.handling import Policy, deferred
from bot.slack.pacing import ACKS_QUIET, AcksInFlight
from bot.slack.registrar import Registrar
from bot.slack.request import Request
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

    registrar.command("/x", handler, Policy.AFTER_ACK)
    with pytest.raises(ValueError, match="registered twice"):
        registrar.command("/x", handler, Policy.AFTER_ACK)


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


def test_a_reservation_whose_ack_raises_gives_its_place_back() -> None:
    executor = PostAckExecutor(4, 2)  # 4 workers: one place per person (FAIR_SHARE_DIVISOR 4)
    ran: list[str] = []
    try:
        with pytest.raises(ConnectionResetError), executor.reserve("first", owner="T1:U1") as place:
            raise ConnectionResetError("the ack could not be written")
        assert executor.depth == 0 and executor.stats().submitted == 0
        place.cancel()  # twice is harmless
        # Before, the place leaked: this person's one place stayed taken and everything after was "busy".
        again = executor.reserve("second", owner="T1:U1")
        with again:
            pass
        again.start(lambda: ran.append("second"))
        assert executor.drain(2) and ran == ["second"]
        with pytest.raises(RuntimeError, match="started or cancelled already"):
            again.start(lambda: ran.append("twice"))
    finally:
        executor.shutdown(1)


def test_a_cancelled_reservation_does_not_hold_up_the_next_one_of_the_same_person() -> None:
    executor = PostAckExecutor(8, 4)  # two places per person
    ran: list[str] = []
    try:
        first = executor.reserve("first", owner="T1:U1")
        second = executor.reserve("second", owner="T1:U1")
        second.start(lambda: ran.append("second"))  # handed over first: waits for its turn behind "first"
        time.sleep(0.05)
        assert ran == []
        first.cancel()  # the earlier request's ack failed: its turn passes to the next one
        assert executor.drain(2) and ran == ["second"]
    finally:
        executor.shutdown(1)


def test_a_deferred_listener_whose_ack_raises_releases_its_place(bot: RunningBot) -> None:
    executor = PostAckExecutor(4, 2)
    ran: list[str] = []

    def handler(request: Request) -> None:
        ran.append(str(request.command["text"]))

    listener = deferred(handler, executor, lambda body: Policy.AFTER_ACK, member_of=acting_member_id, kind="command")

    def request(text: str, ack: Callable[..., None]) -> None:
        context = BoltContext(team_id="T1", user_id="U1")
        context[DEPS_KEY] = bot.deps
        body = {"command": "/x", "text": text, "team_id": "T1", "user_id": "U1"}
        listener(cast(Ack, ack), body, context, bot.built.app.client, cast(Respond, None))  # nothing responds

    def broken_ack(*args: object, **kwargs: object) -> None:
        raise ConnectionResetError("the ack could not be written")

    try:
        with pytest.raises(ConnectionResetError):
            request("lost", broken_ack)
        assert executor.depth == 0 and not executor.held()
        request("kept", lambda *args, **kwargs: None)  # one place per person: refused "busy" if it leaked
        assert executor.drain(2) and ran == ["kept"]
    finally:
        executor.shutdown(1)
