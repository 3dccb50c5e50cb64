"""The baseline for bench.load_http: a bare Bolt app giving the same answers with the same Slack calls.

It acks ``/stage``, ``/win`` and "Save as win" the way Bolt's docs show (``ack()`` first, then the
work, in Bolt's listener pool), then makes the Web API calls the bot makes for them: a
``response_url`` post for ``/stage``; ``views.open`` for ``/win``; ``chat.getPermalink`` then
``views.open`` for "Save as win". No database, no content, a one-block modal.

Why it calls Slack at all: an app that only acks leaves the simulator (a process on the same
CPUs) idle during its turn while it answers the bot's calls during ours, and has nothing to run
beside its acks. Measured (2 cores, 20 concurrent, Slack at 0.3 s): making these calls cost the
bare app's ack p99 1.0-1.65x (simulator 0.6-1.1 ms and client 0.5 ms of CPU more per request), so
the ratio compares our request path and our work with the least any app answering must do.

Same Bolt version, same WSGI server and thread count, same signature check, a listener pool as
large as the bot's (Bolt's default, 6 threads on 2 cores, made its acks wait 0.9 s for a free
thread, measuring the pool rather than the ack). Run: ``python -m bench.bare_app`` with
SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and PORT set.
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


def build() -> App:
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=make_web_client(os.environ["SLACK_API_URL"], os.environ["SLACK_BOT_TOKEN"]),
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="bare-listener"),
    )

    def stage(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Your stage", response_type="ephemeral")

    def win(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    def save_as_win(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        message_ts = body.get("message_ts") or body["message"]["ts"]
        client.chat_getPermalink(channel=body["channel"]["id"], message_ts=message_ts)
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    app.command("/stage")(stage)
    app.command("/win")(win)
    app.shortcut("save_as_win")(save_as_win)
    return app


def main() -> None:
    from waitress import serve

    serve(SlackRequestHandler(build()), host="127.0.0.1", port=int(os.environ["PORT"]), threads=SERVER_THREADS)


if __name__ == "__main__":
    main()
