"""The baseline for bench.load_http: a bare Bolt app that only acks ``/stage``, ``/win`` and "Save as win".

Same Bolt version, same WSGI server and thread count, same signature check; no database,
no content, no Block Kit. Run: ``python -m bench.bare_app`` with SLACK_BOT_TOKEN,
SLACK_SIGNING_SECRET, SLACK_API_URL and PORT set.
"""

from __future__ import annotations

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.server import SERVER_THREADS
from bot.slack.client import make_web_client


def build() -> App:
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=make_web_client(os.environ["SLACK_API_URL"], os.environ["SLACK_BOT_TOKEN"]),
    )

    def ack_only(ack: Ack) -> None:
        ack()

    app.command("/stage")(ack_only)
    app.command("/win")(ack_only)
    app.shortcut("save_as_win")(ack_only)
    return app


def main() -> None:
    from waitress import serve

    serve(SlackRequestHandler(build()), host="127.0.0.1", port=int(os.environ["PORT"]), threads=SERVER_THREADS)


if __name__ == "__main__":
    main()
