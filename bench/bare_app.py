"""The baseline for bench.load_http: a bare Bolt app giving the same answers with the same Slack calls.

It acks ``/stage``, ``/win`` and "Save as win", then makes the Web API calls the bot makes for them: a
``response_url`` post for ``/stage``; ``views.open`` for ``/win``; ``chat.getPermalink`` then
``views.open`` for "Save as win". No database, no content, a one-block modal.

Why it calls Slack at all: an app that only acks leaves the simulator (a process on the same
CPUs) idle during its turn while it answers the bot's calls during ours, and has nothing to run
beside its acks. Measured (2 cores, 20 concurrent, Slack at 0.3 s): making these calls cost the
bare app's ack p99 1.0-1.65x (simulator 0.6-1.1 ms and client 0.5 ms of CPU more per request), so
the ratio compares our request path and our work with the least any app answering must do.

Two modes (``BARE_MODE``):

- ``native`` (the baseline bench.load_http's goals compare against): ``process_before_response=True``
  with lazy listeners, as Bolt's docs recommend for an app that must ack in time: the ack is returned
  by the HTTP thread itself and the calls run in Bolt's listener pool afterwards. This is what our own
  request path does (with a bounded queue, the request inbox and per-person order added).
- ``default``: Bolt's default mode (``ack()`` first, then the work, in the listener pool), whose
  request thread polls every 10 ms for the ack: its median ack is that poll (12 ms, issue 26), which
  made our ratio against it look better than the path deserves. Printed beside the native one.

Same Bolt version, same WSGI server and thread count, same signature check, a listener pool as
large as the bot's (Bolt's default, 6 threads on 2 cores, made its acks wait 0.9 s for a free
thread, measuring the pool rather than the ack). Run: ``python -m bench.bare_app`` with
SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and PORT set (and BARE_MODE, ``native`` unless
``default``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import SERVER_THREADS
from bot.slack.app import LISTENER_THREADS
from bot.webapi.client import make_web_client

MODAL = {
    "type": "modal",
    "callback_id": "bare_win",
    "title": {"type": "plain_text", "text": "Record a win"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "What did you do?"}}],
}


NATIVE, DEFAULT = "native", "default"


def build(mode: str = NATIVE) -> App:
    native = mode == NATIVE
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=make_web_client(os.environ["SLACK_API_URL"], os.environ["SLACK_BOT_TOKEN"]),
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="bare-listener"),
        process_before_response=native,
    )

    def stage(respond: Respond) -> None:
        respond(text="Your stage", response_type="ephemeral")

    def win(body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    def save_as_win(body: dict[str, Any], client: WebClient) -> None:
        message_ts = body.get("message_ts") or body["message"]["ts"]
        client.chat_getPermalink(channel=body["channel"]["id"], message_ts=message_ts)
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    def just_ack(ack: Ack) -> None:
        ack()

    if native:
        app.command("/stage")(ack=just_ack, lazy=[stage])
        app.command("/win")(ack=just_ack, lazy=[win])
        app.shortcut("save_as_win")(ack=just_ack, lazy=[save_as_win])
        return app

    # Bolt's default mode, as its docs show: ack() first, then the same work, in the listener pool.
    def stage_acked(ack: Ack, respond: Respond) -> None:
        ack()
        stage(respond)

    def win_acked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        win(body, client)

    def save_as_win_acked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        save_as_win(body, client)

    app.command("/stage")(stage_acked)
    app.command("/win")(win_acked)
    app.shortcut("save_as_win")(save_as_win_acked)
    return app


def main() -> None:
    from waitress import serve

    serve(
        SlackRequestHandler(build(os.environ.get("BARE_MODE", NATIVE))),
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        threads=SERVER_THREADS,
    )


if __name__ == "__main__":
    main()
