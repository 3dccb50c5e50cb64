"""What the benchmarks' simulators (bench/simulator_process.py) run in their own processes.

Here, not beside each benchmark: a spawned child imports the module its target lives in, and a benchmark's
module imports the bot (SQLAlchemy, the models, the services), ~0.6 s CPU of every simulator started for
nothing. This module imports only the simulators, and those inside the functions that serve them.
"""

from __future__ import annotations

import multiprocessing.connection
from datetime import datetime, timedelta


def login(index: int) -> str:
    return f"dev{index:06d}"


def token(index: int) -> str:
    return f"gho_bench{index:08d}"


def serve_slack(conn: multiprocessing.connection.Connection, rate: float | None) -> None:
    from tests.support.fake_slack import FakeSlack

    fake = FakeSlack().start()
    if rate is not None:
        fake.rate_limit("chat.postMessage", per_second=rate)
    conn.send(fake.api_url)
    while True:
        command = conn.recv()
        if command == "stats":
            per_channel = {channel: len(messages) for channel, messages in fake.messages.items()}
            conn.send({"per_channel": per_channel})
        elif command == "stop":
            fake.stop()
            conn.send("stopped")
            return


def serve_slack_per_team(
    conn: multiprocessing.connection.Connection, rate: float, latency: float, throttled: list[str]
) -> None:
    from tests.support.fake_slack import FakeSlack

    fake = FakeSlack().start()
    fake.set_channel_rate(None)  # each member gets one DM: Slack's per-channel limit never applies
    fake.rate_limit("chat.postMessage", rate, per_team=True)
    if latency:
        fake.delays["chat.postMessage"] = latency
    for name in throttled:
        fake.throttle_team(name, retry_after=1)
    conn.send(fake.api_url)
    while True:
        command = conn.recv()
        if command == "stats":
            with fake._lock:
                posts = [
                    (str(c.params.get("channel")), c.at)
                    for c in fake.calls
                    if c.method == "chat.postMessage" and c.error is None
                ]
                rate_limited = dict(fake.rate_limited)
            conn.send({"posts": posts, "rate_limited": rate_limited})
        elif command == "stop":
            fake.stop()
            conn.send("stopped")
            return


def serve_github(conn: multiprocessing.connection.Connection, members: int, latency: float, at: datetime) -> None:
    from tests.support.fake_github import FakeGitHub, Issue, PullRequest, Review, Token

    fake = FakeGitHub(lambda: at).start()
    fake.delay = latency
    day = timedelta(days=1)
    for index in range(members):
        me, colleague = login(index), login((index + 1) % members)
        fake.user(me)
        fake.tokens[token(index)] = Token(me, "")
        fake.pulls.append(PullRequest(f"Improve module {index}", "acme/app", me, merged_at=at - 2 * day))
        fake.pulls.append(PullRequest(f"Old change {index}", "acme/app", me, merged_at=at - 30 * day))
        fake.pulls.append(
            PullRequest(
                f"Colleague change {index}",
                "acme/app",
                colleague,
                merged_at=at - 20 * day,
                reviews=[Review(me, at - 3 * day)],
            )
        )
        fake.issues.append(Issue(f"Bug {index}", "acme/app", {me, colleague}, closed_at=at - day, closed_by=me))
    conn.send(fake.url)
    while True:
        command = conn.recv()
        if command == "stats":
            calls = [(call.path, call.token, call.status, call.wall) for call in fake.calls]
            conn.send({"calls": calls, "peak_in_flight": fake.peak_in_flight})
        elif command == "stop":
            fake.stop()
            conn.send("stopped")
            return
