"""How one listener is run against Slack's clocks: the policy of its route decides.

Slack gives us two clocks: 3 s to ack a request, and 3 s from a click to ``views.open`` with its
``trigger_id``. Listeners run on the HTTP thread (``process_before_response=True``, see
``bot/slack/app.py``); :func:`deferred` acks and hands the work on, by the route's :class:`Policy`:

- ``OPENS_MODAL`` work starts at once on a thread of its own, before the ack is even returned: it
  never waits behind other work.
- ``AFTER_ACK`` work goes to the app's :class:`~bot.slack.executor.PostAckExecutor`: a place is
  reserved before the ack (a full queue answers "busy" at once, with what the person typed) and the
  work handed over after it.
- ``SAVES_BEFORE_ACK`` work commits what it was sent, then acks itself (``/win`` with text): a
  person told "saved" finds it saved even after kill -9.
- ``VIEW_SUBMISSION`` stays synchronous: its ack carries the answer (field errors, the next view).

Against a bare Bolt app making the same Slack calls, our ack p99 was 1.3-2.4x in bursts of 20 while
post-ack work shared the GIL with the burst's acks; with work waiting for the burst's acks
(:class:`~bot.slack.pacing.AcksInFlight`), it is 0.5-0.7x, and 0.14-0.17x at 50 requests/s.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.text import with_typed_back
from bot.services import inbox
from bot.slack import durable
from bot.slack.deps import deps_of
from bot.slack.durable import EVENT_CLAIMED_KEY, RECEIVED_UTC_KEY, REPLAY_KEY
from bot.slack.errors import handle_listener_error, tell_user, typed_values
from bot.slack.executor import POST_ACK_KEY, PostAckExecutor
from bot.slack.request import Request
from bot.slack.reservation import Saturated

log = logging.getLogger(__name__)


class Policy(enum.Enum):
    """What a route's handler must do around its ack: one name per idea, chosen where the route is registered."""

    AFTER_ACK = "after the ack"
    """Ack first, then run on the post-ack executor (stored in the request inbox first)."""
    OPENS_MODAL = "opens a modal"
    """Bound to its trigger_id (3 s): ack, and start at once on a thread of its own. Not stored: a replay
    could not open the modal, and nothing changes until its form is submitted."""
    SAVES_BEFORE_ACK = "saves before the ack"
    """Commits what it was sent, then acks itself within Slack's 3 s (the real ``ack``)."""
    VIEW_SUBMISSION = "view submission"
    """Synchronous: the handler validates and answers through its own ``ack(...)``."""


Choose = Callable[[dict[str, Any]], Policy]
"""A route's policy per request, when it depends on the body (``/win`` bare or with text)."""


BUSY_TEXT = (
    ":hourglass: I'm swamped right now and couldn't take this on, so nothing was changed. Please try again in a minute."
)
GAVE_UP_TEXT = (
    ":warning: I was restarted while working on this and couldn't finish it, so it may not have been done. "
    "Please check and try again."
)


def busy_text(body: dict[str, Any]) -> str:
    return with_typed_back(BUSY_TEXT, typed_values(body))


def tell_busy(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Answer a request we could not take on: where the person acted, with what they typed."""
    tell_user(body, context, client, busy_text(body), "the bot is busy")


def post_ack_of(context: BoltContext) -> PostAckExecutor:
    executor = context[POST_ACK_KEY]
    assert isinstance(executor, PostAckExecutor)
    return executor


def run_later(context: BoltContext, description: str, work: Callable[[], object], *, background: bool = False) -> bool:
    """Queue work that need not hold up the ack (a Home to republish); False (and logged) when saturated.

    ``background``: nobody waits for it (a profile lookup); it yields to answers (see ``submit``).
    """

    def run() -> None:
        work()

    try:
        post_ack_of(context).submit(description, run, background=background)
    except Saturated:
        return False
    return True


Handler = Callable[[Request], None]
"""A listener: one :class:`~bot.slack.request.Request` in, its answers sent through it."""
Listener = Callable[[Ack, dict[str, Any], BoltContext, WebClient, Respond], None]
"""What Bolt is given: a function of the arguments Bolt injects by these names."""
MemberOf = Callable[[BoltContext], int]


def submission(handler: Handler, member_of: MemberOf) -> Listener:
    """A synchronous listener (a view submission): it answers through ``request.ack``."""

    def submit(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        handler(Request(body, client, respond, context, member_of, real_ack=ack))

    return submit


def _owner(context: BoltContext) -> str | None:
    """Whose share of the post-ack queue a request uses: the acting person, when there is one."""
    if not context.user_id:
        return None
    return f"{context.team_id or context.enterprise_id or ''}:{context.user_id}"


def deferred(
    handler: Handler,
    executor: PostAckExecutor,
    policy: Choose,
    *,
    event: bool = False,
    member_of: MemberOf,
    kind: str = "other",
) -> Listener:
    """Bolt calls the returned function: by the request's ``policy`` it records the request, acks, then
    runs ``handler`` now (``OPENS_MODAL``) or queues it (``AFTER_ACK``), or runs it with the real ack
    (``SAVES_BEFORE_ACK``).

    The handler gets one :class:`~bot.slack.request.Request`; ``member_of`` resolves its ``member_id``
    when the handler first reads it: after the ack, except for ``SAVES_BEFORE_ACK`` work.

    Work queued after the ack is recorded in the request inbox first (:mod:`bot.services.inbox`) and
    done with the first transaction the handler commits: one mechanism for every kind, so whatever was
    acknowledged survives kill -9 (dispatched again by :mod:`bot.slack.resume`). Not recorded: what
    saves before its ack (already durable) and what only opens a modal (its trigger_id lives 3 s, so a
    replay could not open it; it changes nothing until its form is submitted, synchronously).
    """
    name = getattr(handler, "__name__", "listener")

    def report(error: Exception, request: Request) -> None:
        try:
            handle_listener_error(error, request.body, request.context, request.client)
        except Exception:
            # Nothing reads this job's outcome: this line is the only trace it would leave.
            log.exception("reporting a listener failure failed", extra={"listener": name})

    def run(request: Request, inbox_id: int | None = None) -> None:
        pending: list[Any] = [None]
        try:
            if kind == "action" and executor.taps.superseded(request.body, request.context):
                log.info("dropping a tap older than one already applied", extra={"listener": name})
                return
            # member_id may be resolved inside: enrolling the actor holds the riders (acting_member_id),
            # so the first commit to take the inbox row is still the change asked for.
            riding: AbstractContextManager[list[Any]] = (
                inbox.done_with_next_commit(inbox_id) if inbox_id is not None else nullcontext([None])
            )
            with riding as pending:
                handler(request)
        except Exception as error:
            report(error, request)
        finally:
            if inbox_id is not None:
                if pending:  # no transaction took the row with it (a read-only answer, a failure)
                    durable.finish(request.context, inbox_id, executor)
                else:
                    executor.release(inbox_id)

    def give_up(request: Request, inbox_id: int) -> None:
        body, context = request.body, request.context
        log.error(
            "gave up an unfinished request after a restart",
            extra={"listener": name, "inbox_id": inbox_id, "team": context.team_id},
        )
        if body.get("response_url") or context.user_id:  # a DM's sender too; an uninstall has nobody to tell
            tell_user(body, context, request.client, GAVE_UP_TEXT, "a request was given up")
        durable.finish(context, inbox_id, executor)

    def ack_then_run(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        chosen = policy(body)
        if chosen is Policy.SAVES_BEFORE_ACK:
            # Failures go to Bolt's error handler, whose answer stands in for the ack.
            saving = Request(body, client, respond, context, member_of, real_ack=ack)
            executor.run_trigger_bound(name, lambda: handler(saving))
            return
        request = Request(body, client, respond, context, member_of)
        replay: inbox.Stale | None = context.get(REPLAY_KEY)
        bound = chosen is Policy.OPENS_MODAL
        inbox_id: int | None = None
        late: Future[inbox.Recorded] | None = None
        if replay is not None:
            inbox_id = replay.inbox_id
            context[EVENT_CLAIMED_KEY] = True
            context[RECEIVED_UTC_KEY] = replay.received_at
            if replay.give_up:
                executor.overflow("gave up", lambda: give_up(request, replay.inbox_id))
                return
        elif not bound:
            outcome = durable.record_in_time(kind, body, context)
            if isinstance(outcome, Future):
                late = outcome
            elif outcome is not None:
                if outcome.duplicate:
                    log.info(
                        "dropping a retried event", extra={"event_id": body.get("event_id"), "team": context.team_id}
                    )
                    if ack is not None:
                        ack()
                    return
                inbox_id = outcome.inbox_id
        if inbox_id is not None:
            executor.hold(inbox_id)

        def stored_id() -> int | None:
            """The request's inbox id, waiting for a recording that outran the ack's budget."""
            return inbox_id if late is None else durable.late_id(late)

        try:
            if bound:
                # Started before the ack is returned, on a thread of its own: the modal opens
                # while the ack is still on its way back to Slack.
                executor.start_trigger_bound(name, lambda: run(request))
                place = None
            else:
                # A place in the queue is taken before the ack, so a refused command hears why in its ack.
                place = executor.reserve(name, owner=_owner(context))
        except Saturated:
            if (inbox_id is not None or late is not None) and (event or replay is not None):
                # Stored: it is dispatched again once its lease lapses, when the queue (or this
                # person's share of it) has room. Slack will not resend an event we acked.
                if inbox_id is not None:
                    executor.release(inbox_id)
                if replay is not None:
                    postponed = replay.inbox_id
                    executor.overflow("postpone", lambda: inbox.postpone(deps_of(context).db, postponed))
                if ack is not None:
                    ack()
                return
            if body.get("command") and ack is not None:
                ack(text=busy_text(body), response_type="ephemeral")
                if inbox_id is not None or late is not None:
                    executor.overflow("busy command", lambda: durable.finish_if(context, stored_id(), executor))
                return
            if ack is not None:
                ack()

            def tell() -> None:
                tell_busy(body, context, client)
                durable.finish_if(context, stored_id(), executor)

            executor.overflow("busy answer", tell)
            return
        if place is None:
            if ack is not None:
                ack()
            return
        try:
            with place:  # an ack that raises gives the place back (it would leak otherwise)
                if ack is not None:
                    ack()
        except BaseException:
            if inbox_id is not None:
                executor.release(inbox_id)  # stored: dispatched again after its lease (bot/slack/resume.py)
            raise
        if late is None:
            place.start(lambda: run(request, inbox_id))
            return

        def run_once_recorded() -> None:
            recorded_id = durable.late_id(late)
            if recorded_id is None and late.exception() is None and late.result().duplicate:
                return  # a retried event, found so once the recording finished
            if recorded_id is not None:
                executor.hold(recorded_id)
            run(request, recorded_id)

        place.start(run_once_recorded)

    return ack_then_run


def answer_after_ack(
    request: Request, description: str, answer: dict[str, Any], send: Callable[[dict[str, Any]], object]
) -> None:
    """For ``SAVES_BEFORE_ACK`` handlers: ack, then ``send(answer)`` after the ack on the post-ack executor.

    When the queue is full the ack itself carries the answer; an ack that raises gives the place back.
    """
    try:
        place = post_ack_of(request.context).reserve(description)
    except Saturated:
        request.ack(**answer)
        return
    with place:
        request.ack()

    def run() -> None:
        send(answer)

    place.start(run)
