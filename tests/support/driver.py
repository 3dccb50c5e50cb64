"""Signed requests to the bot, shaped like Slack's: slash commands, clicks, submissions, events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.fake_slack import FakeSlack

_ids = itertools.count(1)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def http_request(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> Reply:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read())


class SlackDriver:
    """Acts as Slack towards the bot: every request is signed with the app's signing secret.

    Its trigger_ids and response_urls are minted by the simulator (``fake.mint``), which starts
    their clocks (3 s, 30 min) as Slack does; pass ``minted=(trigger_id, response_url)`` to mint
    ahead of time (benchmarks timing the request alone).
    """

    def __init__(self, bot_url: str, signing_secret: str, fake: FakeSlack, team_id: str = "T0001") -> None:
        self.bot_url = bot_url.rstrip("/")
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.unfurl_links = True
        """Follow a person's message with a link by the unfurl Slack sends for it."""

    # -- raw ---------------------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else sign(self.signing_secret, body, ts),
        }
        headers.update(extra_headers or {})
        return http_request(f"{self.bot_url}/slack/events", body, headers, method="POST")

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    # -- shaped like Slack -------------------------------------------------------------------

    def command(self, command: str, text: str = "", user: str = "U0001", team: str | None = None, **kw: Any) -> Reply:
        """Send a slash command. Its response_url is ``<fake>/response/<the request's name>``."""
        name = kw.pop("response_name", f"cmd{next(_ids)}")
        self.last_response_name = name
        trigger_id, response_url = kw.pop("minted", None) or self.fake.mint(name)
        fields = {
            "token": "legacy-unused",
            "team_id": team or self.team_id,
            "team_domain": "test",
            "channel_id": kw.pop("channel", "C0001"),
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self.post_form(fields, **kw)

    def _interaction_base(
        self, kind: str, user: str, team: str | None, name: str, trigger_id: str | None = None
    ) -> dict[str, Any]:
        team_id = team or self.team_id
        # As Slack sends them (tests/payloads/slack_connect_view_submission.json is a captured one): the
        # actor's own team on the user, an enterprise (null outside Enterprise Grid).
        return {
            "type": kind,
            "team": {"id": team_id, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
            "api_app_id": "A0001",
            "token": "legacy-unused",
            "trigger_id": trigger_id or self.fake.trigger_id(name),
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def click(
        self,
        action_id: str,
        value: str | None = None,
        user: str = "U0001",
        team: str | None = None,
        *,
        view: dict[str, Any] | None = None,
        selected: str | None = None,
        block_id: str = "b",
        message: dict[str, Any] | None = None,
        channel: str = "D0001",
        **kw: Any,
    ) -> Reply:
        """Click a button (``value``) or pick a menu option (``selected``) in a message or a view."""
        name = kw.pop("response_name", f"act{next(_ids)}")
        self.last_response_name = name
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": str(time.time())}
        if selected is not None:
            action.update(type="static_select", selected_option={"value": selected, "text": {"type": "plain_text"}})
        else:
            action.update(type="button", value=value or "")
        payload = self._interaction_base("block_actions", user, team, name)
        payload["actions"] = [action]
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = {"id": "V1", "hash": "h1", **view}
        else:
            payload["container"] = {"type": "message", "channel_id": channel, "is_ephemeral": False}
            payload["channel"] = {"id": channel}
            payload["message"] = message or {"ts": "1.000001", "text": ""}
            payload["response_url"] = self.fake.response_url(name)
        return self.post_payload(payload, **kw)

    def submit_view(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, dict[str, Any]]],
        user: str = "U0001",
        team: str | None = None,
        **kw: Any,
    ) -> Reply:
        """Submit a modal as Slack would: ``values`` is ``{block_id: {action_id: {...state...}}}``."""
        name = f"view{next(_ids)}"
        payload = self._interaction_base("view_submission", user, team, name)
        payload["view"] = {
            "id": "V1",
            "type": "modal",
            "hash": "h1",
            "private_metadata": "",
            "team_id": team or self.team_id,
            "app_id": "A0001",
            "bot_id": "B0001",
            "app_installed_team_id": team or self.team_id,
            **view,
            "state": {"values": values},
        }
        payload["response_urls"] = []
        return self.post_payload(payload, **kw)

    def message_shortcut(
        self,
        callback_id: str,
        message: dict[str, Any],
        channel: str = "C0001",
        user: str = "U0001",
        team: str | None = None,
        **kw: Any,
    ) -> Reply:
        name = kw.pop("response_name", f"sc{next(_ids)}")
        self.last_response_name = name
        trigger_id, response_url = kw.pop("minted", None) or self.fake.mint(name)
        payload = self._interaction_base("message_action", user, team, name, trigger_id)
        payload.update(
            callback_id=callback_id,
            message=message,
            message_ts=message.get("ts"),
            channel={"id": channel, "name": "general"},
            response_url=response_url,
        )
        return self.post_payload(payload, **kw)

    def event(
        self, event: dict[str, Any], team: str | None = None, event_id: str | None = None, retry_num: int | None = None
    ) -> Reply:
        """Deliver an Events API event. A person's new message with a link is followed, as in Slack, by
        the ``message_changed`` that adds its preview (no ``edited``: tests/payloads/unfurl_changed.json),
        unless ``unfurl_links`` is off."""
        sent = as_slack_sends(event, team or self.team_id)
        reply = self._event(sent, team, event_id, retry_num)
        if self.unfurl_links and reply.status == 200 and not retry_num and _links_unfurl(sent):
            self._event(unfurled(sent), team, None, None)
        return reply

    def _event(self, event: dict[str, Any], team: str | None, event_id: str | None, retry_num: int | None) -> Reply:
        team_id = team or self.team_id
        body = {
            "token": "legacy-unused",
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJ{team_id}In0",
        }
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else None
        return self.post(json.dumps(body).encode(), "application/json", extra_headers=headers)

    def responses(self, name: str | None = None, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """What the bot sent to a request's response_url (the last request's by default)."""
        return self.fake.wait_for_response(name or self.last_response_name, count=count, timeout=timeout)


def rich_text(text: str) -> list[dict[str, Any]]:
    """The ``blocks`` Slack's clients attach to a typed message: one rich_text section of the text, with
    ``<@U…>`` mentions as ``user`` elements (as tests/payloads/ show real ones)."""
    elements: list[dict[str, Any]] = []
    for index, part in enumerate(_MENTION.split(text)):
        if index % 2:
            elements.append({"type": "user", "user_id": part})
        elif part:
            elements.append({"type": "text", "text": part})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": f"b{next(_ids)}", "elements": [section]}]


def as_slack_sends(event: dict[str, Any], team_id: str) -> dict[str, Any]:
    """An event a test wrote, with the fields real ones carry (tests/payloads/ has captured ones): a
    person's message gets its ``team``, ``event_ts``, ``client_msg_id`` and rich_text ``blocks``."""
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return event
    filled = {
        "client_msg_id": f"{next(_ids):08x}-0000-4000-8000-000000000000",
        "team": team_id,
        "event_ts": event.get("ts"),
        "blocks": rich_text(str(event.get("text") or "")) if event.get("text") else [],
    }
    return {**filled, **event}


_LINK = re.compile(r"<(https?://[^|>]+)(?:\|[^>]*)?>")


def _links_unfurl(event: dict[str, Any]) -> bool:
    is_new = event.get("type") == "message" and not event.get("subtype") and not event.get("bot_id")
    return is_new and bool(event.get("user")) and _LINK.search(str(event.get("text") or "")) is not None


def unfurled(event: dict[str, Any]) -> dict[str, Any]:
    """The ``message_changed`` Slack sends when it adds a link's preview to ``event``: the same text, no
    ``edited``, the preview in ``attachments``, ``hidden`` (shaped as tests/payloads/unfurl_changed.json)."""
    url = _LINK.search(str(event.get("text") or ""))
    link = url.group(1) if url else ""
    preview = {"id": 1, "from_url": link, "original_url": link, "title": link, "title_link": link, "fallback": link}
    message = {k: v for k, v in event.items() if k not in {"channel", "channel_type", "event_ts"}}
    changed_ts = f"{float(str(event.get('ts') or '0')) + 2:.6f}"
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": {**message, "attachments": [preview]},
        "previous_message": message,
        "channel": event.get("channel"),
        "channel_type": event.get("channel_type"),
        "ts": changed_ts,
        "event_ts": changed_ts,
    }


def block_texts(payload: dict[str, Any]) -> str:
    """All visible text in a message or view, joined, for assertions."""
    parts: list[str] = [str(payload.get("text", ""))] if isinstance(payload.get("text"), str) else []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks", []))
    return "\n".join(parts)
