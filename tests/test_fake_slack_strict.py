"""The simulator enforces Slack's rules, so a test that passes against it would pass against Slack."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.support.driver import http_request
from tests.support.fake_slack import FakeSlack, manifest_bot_scopes

MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    simulator = FakeSlack().start()
    yield simulator
    simulator.stop()


def client(fake: FakeSlack, token: str = "xoxb-test") -> WebClient:
    return WebClient(token=token, base_url=fake.api_url, retry_handlers=[])


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_trigger_id_opens_one_view_within_3_seconds(fake: FakeSlack) -> None:
    clock = Clock()
    fake.monotonic = clock
    web = client(fake)
    fresh = fake.trigger_id("fresh")
    assert web.views_open(trigger_id=fresh, view=MODAL)["ok"]
    assert error_of(lambda: web.views_open(trigger_id=fresh, view=MODAL)) == "invalid_trigger_id"
    late = fake.trigger_id("late")
    clock.now += 3.01
    assert error_of(lambda: web.views_open(trigger_id=late, view=MODAL)) == "expired_trigger_id"
    assert error_of(lambda: web.views_open(trigger_id="made-up", view=MODAL)) == "invalid_trigger_id"
    assert fake.errors("expired_trigger_id") == 1
    errors = [c.error for c in fake.calls_to("views.open")]
    assert errors == [None, "invalid_trigger_id", "expired_trigger_id", "invalid_trigger_id"]


def test_response_url_takes_five_posts_within_30_minutes(fake: FakeSlack) -> None:
    clock = Clock()
    fake.monotonic = clock
    url = fake.response_url("r1")
    statuses = [WebhookClient(url).send(text=f"answer {i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert len(fake.responses["r1"]) == 5
    old = fake.response_url("r2")
    clock.now += 30 * 60 + 1
    assert WebhookClient(old).send(text="too late").status_code == 404
    assert WebhookClient(f"{fake.base}/response/never-issued").send(text="?").status_code == 404
    assert ("r2", "expired_url") in fake.refused and ("r1", "used_url") in fake.refused


def test_block_limits_per_message_and_per_view(fake: FakeSlack) -> None:
    web = client(fake)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2999}}
    assert web.chat_postMessage(channel="C1", text="ok", blocks=[section] * 4)["ok"]  # 11,996 characters
    five = [section] * 5  # 14,995 characters of block text in one message
    assert error_of(lambda: web.chat_postMessage(channel="C2", text="t", blocks=five)) == "msg_blocks_too_long"
    small = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert error_of(lambda: web.chat_postMessage(channel="C3", text="t", blocks=[small] * 51)) == "invalid_blocks"
    assert WebhookClient(fake.response_url("r")).send(text="t", blocks=five).status_code == 400
    big_view = {**MODAL, "blocks": [small] * 101}
    assert error_of(lambda: web.views_publish(user_id="U1", view=big_view)) == "invalid_blocks"
    assert web.views_publish(user_id="U1", view={**MODAL, "type": "home", "blocks": [small] * 100})["ok"]


def test_views_update_with_a_stale_hash_conflicts(fake: FakeSlack) -> None:
    web = client(fake)
    opened = web.views_open(trigger_id=fake.trigger_id("t"), view=MODAL)["view"]
    updated = web.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)["view"]
    assert updated["hash"] != opened["hash"]
    stale = lambda: web.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)  # noqa: E731
    assert error_of(stale) == "hash_conflict"
    assert web.views_update(view_id=opened["id"], view=MODAL)["ok"]  # no hash: last writer wins, as in Slack


def test_methods_need_the_manifests_scopes(fake: FakeSlack) -> None:
    assert "chat:write" in fake.scopes and fake.scopes == manifest_bot_scopes()
    fake.token_scopes["xoxb-narrow"] = {"commands"}
    narrow = client(fake, "xoxb-narrow")
    with pytest.raises(SlackApiError) as raised:
        narrow.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "chat:write"
    # The manifest grants im:history, not channels:history: the bot may read DMs only.
    web = client(fake)
    assert web.conversations_history(channel="D1")["ok"]
    assert error_of(lambda: web.conversations_history(channel="C1")) == "missing_scope"


def test_posts_are_limited_per_channel_with_retry_after(fake: FakeSlack) -> None:
    fake.set_channel_rate(1.0, burst=2)
    web = client(fake)
    assert web.chat_postMessage(channel="C1", text="1")["ok"]
    assert web.chat_postMessage(channel="C1", text="2")["ok"]
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="C1", text="3")
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    assert web.chat_postMessage(channel="C2", text="other channel")["ok"]


def test_latency_is_per_method(fake: FakeSlack) -> None:
    fake.delays["chat.getPermalink"] = 0.3
    web = client(fake)
    started = time.perf_counter()
    web.chat_getPermalink(channel="C1", message_ts="1.0")
    slow = time.perf_counter() - started
    started = time.perf_counter()
    web.auth_test()
    assert slow >= 0.3 > time.perf_counter() - started


def test_another_process_can_mint_and_read_calls(fake: FakeSlack) -> None:
    minted = http_request(f"{fake.base}/_sim/mint?name=remote", b"", method="POST").json()
    assert client(fake).views_open(trigger_id=minted["trigger_id"], view=MODAL)["ok"]
    assert WebhookClient(minted["response_url"]).send(text="hi").status_code == 200
    seen = json.loads(http_request(f"{fake.base}/_sim/calls").body)
    assert [c["method"] for c in seen["calls"]] == ["views.open"]
    assert len(seen["responses"]["remote"]) == 1


def test_stopping_is_quick() -> None:
    started = time.perf_counter()
    FakeSlack().start().stop()
    assert time.perf_counter() - started < 0.2


def test_conversations_replies_is_a_thread_as_slack_gives_it(fake: FakeSlack) -> None:
    fake.set_channel_rate(None)  # seven posts to one DM at once
    web = client(fake)
    parent = web.chat_postMessage(channel="U7", text="the weekly prompt")["ts"]
    replies = [web.chat_postMessage(channel="D7", text=f"reply {n}", thread_ts=parent)["ts"] for n in range(3)]
    # A reply to a reply joins the parent's thread (one level deep).
    nested = web.chat_postMessage(channel="D7", text="nested", thread_ts=replies[0])["ts"]
    later = web.chat_postMessage(channel="D7", text="on its own")["ts"]
    # The history lists top-level messages only (newest first); the parent counts its replies.
    top = web.conversations_history(channel="D7")["messages"]
    assert [m["ts"] for m in top] == [later, parent] and top[1]["reply_count"] == 4
    # The parent first, then the replies oldest first, in cursor pages (here 2 a page).
    seen, cursor, pages = [], None, 0
    while True:
        page = web.conversations_replies(channel="D7", ts=parent, limit=2, cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            assert cursor == ""
            break
    assert seen == [parent, *replies, nested] and pages == 3
    # ts may name a reply (the whole thread comes back) or a message without replies (just it).
    whole = [parent, *replies, nested]
    assert [m["ts"] for m in web.conversations_replies(channel="D7", ts=nested)["messages"]] == whole
    assert [m["ts"] for m in web.conversations_replies(channel="D7", ts=later)["messages"]] == [later]
    assert error_of(lambda: web.conversations_replies(channel="D7", ts="1.000001")) == "thread_not_found"
    assert error_of(lambda: web.conversations_replies(channel="D7", ts=parent, cursor="99")) == "invalid_cursor"
    # Metadata only when asked; a DM's thread needs im:history, like its history.
    web.chat_postMessage(
        channel="D7", text="m", thread_ts=parent, metadata={"event_type": "x", "event_payload": {"id": 1}}
    )
    plain = web.conversations_replies(channel="D7", ts=parent)["messages"]
    full = web.conversations_replies(channel="D7", ts=parent, include_all_metadata=True)["messages"]
    assert "metadata" not in plain[-1] and full[-1]["metadata"]["event_payload"] == {"id": 1}
    fake.token_scopes["xoxb-no-history"] = manifest_bot_scopes() - {"im:history"}
    refused = error_of(lambda: client(fake, "xoxb-no-history").conversations_replies(channel="D7", ts=parent))
    assert refused == "missing_scope"
