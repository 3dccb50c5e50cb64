"""A strict Slack simulator: the Web API on an ephemeral loopback port, enforcing Slack's rules.

It records every call (method, parameters, token, and the error it got, if any), answers like
Slack for the methods the bot uses, and can be told to fail: ``fail_next("chat.postMessage",
status=429, retry_after=1)`` or ``status=500``, ``error_next(method, "user_not_found")``.
It also serves ``response_url``s (``/response/<id>``) and the upload URLs of files.getUploadURLExternal.

Slack's rules it enforces, as real Slack does (https://api.slack.com/reference):
- a ``trigger_id`` is good for one ``views.open``/``views.push``, within 3 s of its issue
  (``expired_trigger_id``; unknown or used again: ``invalid_trigger_id``). Mint them with
  :meth:`FakeSlack.mint` (the driver does), which records when Slack "issued" them;
- a ``response_url`` takes 5 posts within 30 min (404 ``used_url`` / ``expired_url``);
- a message carries at most 50 blocks and 12,000 characters of block text (``invalid_blocks``,
  ``msg_blocks_too_long``); a view at most 100 blocks;
- ``views.update`` with a ``hash`` that is not the view's current one: ``hash_conflict``;
- every method needs its scopes, read from ``manifest.json`` (``missing_scope``); reading a conversation
  (``conversations.history``, ``.replies``) needs its kind's history scope (``im:history`` for a DM);
- threads (https://docs.slack.dev/reference/methods/conversations.replies): a ``chat.postMessage`` with
  ``thread_ts`` is a reply, which ``conversations.history`` does not list; ``conversations.replies`` gives
  the parent first, then the replies oldest first, ``limit`` at most 1000, cursor pages (``invalid_cursor``),
  and ``thread_not_found`` for a ``ts`` that is no message of the conversation;
- ``chat.postMessage`` is limited per channel (1 a second with a small burst by default; 429 with
  Retry-After), and any method can have its own limit (:meth:`rate_limit`; ``per_team=True`` counts each
  workspace on its own, as Slack does) and latency (``delay`` for every request before it is handled,
  ``delays[method]`` before its answer); :meth:`throttle_team` makes one workspace answer 429 to every
  call. 429s are counted per workspace (``rate_limited``). A token ``xoxb-team-<TEAM>`` belongs to
  workspace ``<TEAM>`` (benchmarks with many workspaces), others to ``tokens`` or the default team.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import socket
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

TEAM_TOKEN_PREFIX = "xoxb-team-"
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.json"
TRIGGER_SECONDS = 3.0
RESPONSE_URL_SECONDS = 30 * 60
RESPONSE_URL_USES = 5
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_BLOCK_TEXT = 12_000
POLL_SECONDS = 0.02
"""How often the server loop looks for stop(): the stdlib default of 0.5 s cost every test ~0.4 s."""

# The scopes each method needs (any one of a set), from the methods' reference pages. Methods absent
# here need none (auth.test, views.*, chat.getPermalink, oauth.v2.access).
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
    "conversations.open": {"im:write", "mpim:write", "channels:manage", "groups:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "reactions.add": {"reactions:write"},
}
HISTORY_SCOPES = {"D": "im:history", "C": "channels:history", "G": "groups:history"}
INFO_SCOPES = {"D": "im:read", "C": "channels:read", "G": "groups:read"}
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}
VIEW_METHODS = {"views.open", "views.push", "views.update", "views.publish"}


def manifest_bot_scopes(path: Path = MANIFEST) -> set[str]:
    return set(json.loads(path.read_text())["oauth_config"]["scopes"]["bot"])


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def block_text_length(blocks: Any) -> int:
    """Characters of text in blocks, counted as Slack does for msg_blocks_too_long (every text string)."""
    if isinstance(blocks, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else block_text_length(value)
            for key, value in blocks.items()
        )
    if isinstance(blocks, list):
        return sum(block_text_length(item) for item in blocks)
    return 0


def blocks_error(blocks: Any, most: int) -> str | None:
    """Slack's answer for blocks over its limits, or None."""
    blocks = _decoded(blocks)
    if not blocks:
        return None
    if not isinstance(blocks, list) or len(blocks) > most:
        return "invalid_blocks"
    if most == MESSAGE_BLOCKS and block_text_length(blocks) > MESSAGE_BLOCK_TEXT:
        return "msg_blocks_too_long"
    return None


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    error: str | None = None
    """What Slack answered instead of ok (a scripted or enforced error); None when it succeeded."""


@dataclass
class Issued:
    """A trigger_id or response_url Slack handed out: when (monotonic), and how often it was used."""

    at: float
    uses: int = 0


@dataclass
class ChannelRate:
    """Token bucket per channel: ``per_second`` sustained, ``burst`` at once (Slack: ~1 msg/s/channel)."""

    per_second: float
    burst: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # channel -> (tokens, at)

    def take(self, channel: str, now: float) -> float:
        """0 if a message may go now (and counts it), else the seconds until one may."""
        tokens, at = self.buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
        if tokens >= 1:
            self.buckets[channel] = (tokens - 1, now)
            return 0.0
        self.buckets[channel] = (tokens, now)
        return (1 - tokens) / self.per_second


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None


@dataclass
class RateLimit:
    per_second: float
    per_team: bool = False
    windows: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    """The calls of the last second, per workspace (``per_team``) or all under the key ``""``."""

    def take(self, team: str, now: float) -> int:
        """0 if the call may go now (and counts it), else the Retry-After in whole seconds."""
        window = self.windows[team if self.per_team else ""]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.per_second:
            return max(1, math.ceil(1.0 - (now - window[0])))
        window.append(now)
        return 0


Handler = Callable[[dict[str, Any], str | None], dict[str, Any]]


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog of 5 drops connections when 20 clients call at once; the
    # client then retries its SYN after 1 s, which the benchmark showed as 1.7 s "Save as win" answers.
    request_queue_size = 256
    daemon_threads = True
    connections = 0
    """Connections accepted so far (a keep-alive client makes one per thread)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1  # only the serving thread accepts
        with self._sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def hang_up(self) -> None:
        """Close every kept-alive connection, as a stopped Slack would: a client must not keep talking to
        this simulator through a connection it opened earlier (another may listen on the port next)."""
        with self._sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # the client hung up first
                sock.shutdown(socket.SHUT_RDWR)


class FakeSlack:
    def __init__(self, team_id: str = "T0001", bot_user_id: str = "UBOT") -> None:
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # token -> team_id, for multi-workspace tests
        self.channels_without_bot: set[str] = set()
        self.channel_names: dict[str, str] = {}
        """conversations.info's ``name`` per channel id (default ``channel-<id>``)."""
        self.channels_gone: set[str] = set()
        """Channels conversations.info does not find (deleted, private to the bot)."""
        self.handlers: dict[str, Handler] = {}
        self.default_team_id = team_id
        self.enterprise_id: str | None = None
        """The Enterprise Grid org auth.test names (None: a plain workspace)."""
        self.bot_user_id = bot_user_id
        self.default_tz = "America/New_York"
        # Strictness: scopes granted to the bot token (tokens in token_scopes get their own), the
        # per-channel post rate (None: off), and the clock trigger_ids and response_urls age by.
        self.scopes: set[str] = manifest_bot_scopes()
        self.token_scopes: dict[str, set[str]] = {}
        self.channel_rate: ChannelRate | None = ChannelRate(per_second=1.0, burst=5)
        self.monotonic: Callable[[], float] = time.monotonic
        self.triggers: dict[str, Issued] = {}
        self.response_urls: dict[str, Issued] = {}
        self.views: dict[str, str] = {}  # view id -> its current hash
        self.refused: list[tuple[str, str]] = []  # (method or response name, error) Slack answered
        self.response_times: dict[str, list[float]] = defaultdict(list)  # name -> wall times of accepted posts
        # Nudges: messages posted per conversation (for conversations.history), a clock for their ts
        # (tests acting "as if" at another time set it), and per-method delays of the answer (the
        # call takes effect first, as a slow Slack would: a client killed meanwhile never hears of it).
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.clock: Callable[[], float] = time.time
        self.delays: dict[str, float] = {}
        self.delay = 0.0
        """Seconds every request waits before it is answered (a slow Web API)."""
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._rate_limits: dict[str, RateLimit] = {}
        self.throttled: dict[str, int] = {}
        """Workspaces answering 429 to every call, with their Retry-After (:meth:`throttle_team`)."""
        self.rate_limited: Counter[str] = Counter()
        """429s answered, per workspace (team id)."""
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server = _Server(("127.0.0.1", 0), self._make_handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        return self._server.connections

    def stop(self) -> None:
        self._server.shutdown()
        self._server.hang_up()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        """The response_url of a request named ``name``; issued (its 30 min start) the first time it is asked for."""
        with self._lock:
            self.response_urls.setdefault(name, Issued(self.monotonic()))
        return f"{self.base}/response/{name}"

    def trigger_id(self, name: str) -> str:
        """A trigger_id Slack issues now, for one views.open within 3 s."""
        trigger = f"trigger-{name}"  # the format tests already look for; minting again re-issues it
        with self._lock:
            self.triggers[trigger] = Issued(self.monotonic())
        return trigger

    def mint(self, name: str) -> tuple[str, str]:
        """What Slack attaches to a request it sends: a fresh trigger_id and response_url."""
        return self.trigger_id(name), self.response_url(name)

    def set_channel_rate(self, per_second: float | None, burst: int = 5) -> None:
        """Per-channel chat.postMessage limit; None turns it off (benchmarks measuring other things)."""
        with self._lock:
            self.channel_rate = ChannelRate(per_second, burst) if per_second else None

    def errors(self, error: str) -> int:
        """How many calls Slack refused with ``error`` (e.g. expired_trigger_id)."""
        with self._lock:
            return sum(1 for _, refused in self.refused if refused == error)

    # -- scripting ---------------------------------------------------------------------------

    def fail_next(self, method: str, status: int = 500, retry_after: int | None = None, times: int = 1) -> None:
        with self._lock:
            for _ in range(times):
                self._failures[method].append(Failure(status=status, retry_after=retry_after))

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        """Answer 200 with ``{"ok": false, "error": error}`` (e.g. user_not_found, not_in_channel)."""
        with self._lock:
            for _ in range(times):
                self._failures[method].append(Failure(status=200, error=error))

    def rate_limit(self, method: str, per_second: float, *, per_team: bool = False) -> None:
        """At most ``per_second`` calls of ``method`` in any second (per workspace with ``per_team``)."""
        with self._lock:
            self._rate_limits[method] = RateLimit(per_second=per_second, per_team=per_team)

    def throttle_team(self, team_id: str, retry_after: int | None = 1) -> None:
        """Every call with this workspace's token answers 429 with ``retry_after``; None stops it."""
        with self._lock:
            if retry_after is None:
                self.throttled.pop(team_id, None)
            else:
                self.throttled[team_id] = retry_after

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self.uploads.clear()
            self._failures.clear()
            self._rate_limits.clear()
            self.throttled.clear()
            self.rate_limited.clear()
            self.messages.clear()
            self.delays.clear()
            self.channels_without_bot.clear()
            self.channel_names.clear()
            self.channels_gone.clear()
            self.handlers.clear()
            self.refused.clear()
            self.response_times.clear()
            if self.channel_rate is not None:
                self.channel_rate.buckets.clear()

    # -- reading -----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``method`` was called ``count`` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} call(s) to {method}, saw {len(found)}")
                self._changed.wait(remaining)

    def wait_for_response(self, name: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.responses[name]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} response(s) at {name}, saw {len(self.responses[name])}")
                self._changed.wait(remaining)
            return list(self.responses[name])

    # -- answering ---------------------------------------------------------------------------

    def _team_for(self, token: str | None) -> str:
        if token and token.startswith(TEAM_TOKEN_PREFIX) and token not in self.tokens:
            return token.removeprefix(TEAM_TOKEN_PREFIX)
        return self.tokens.get(token or "", self.default_team_id)

    def _scopes_of(self, token: str | None) -> set[str]:
        return self.token_scopes.get(token or "", self.scopes)

    def _needed_scopes(self, method: str, params: dict[str, Any]) -> set[str]:
        kind = str(params.get("channel", ""))[:1]
        if method in {"conversations.history", "conversations.replies"}:
            return {HISTORY_SCOPES.get(kind, "channels:history")}
        if method == "conversations.info":
            return {INFO_SCOPES.get(kind, "channels:read")}
        return METHOD_SCOPES.get(method, set())

    def _enforce(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any] | None:
        """Slack's refusal of this call (held lock), or None when it is allowed."""
        needed = self._needed_scopes(method, params)
        granted = self._scopes_of(token)
        if needed and not needed & granted:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": ",".join(sorted(needed)),
                "provided": ",".join(sorted(granted)),
            }
        if method in MESSAGE_METHODS:
            error = blocks_error(params.get("blocks"), MESSAGE_BLOCKS)
            if error:
                return {"ok": False, "error": error}
        if method in VIEW_METHODS:
            view = _decoded(params.get("view")) or {}
            error = blocks_error(view.get("blocks") if isinstance(view, dict) else None, VIEW_BLOCKS)
            if error:
                return {"ok": False, "error": error}
        if method in {"views.open", "views.push"}:
            trigger = str(params.get("trigger_id") or params.get("interactivity_pointer") or "")
            issued = self.triggers.get(trigger)
            if issued is None or issued.uses:
                return {"ok": False, "error": "invalid_trigger_id"}
            issued.uses += 1
            if self.monotonic() - issued.at > TRIGGER_SECONDS:
                return {"ok": False, "error": "expired_trigger_id"}
        if method == "views.update":
            view_id, expected = str(params.get("view_id") or ""), params.get("hash")
            if expected and view_id in self.views and self.views[view_id] != expected:
                return {"ok": False, "error": "hash_conflict"}
        return None

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method in self.handlers:
            return self.handlers[method](params, token)
        ts = f"{int(self.clock())}.{next(self._ts):06d}"
        if method == "auth.test":
            if token and token.startswith("xoxb-revoked"):
                return {"ok": False, "error": "invalid_auth"}
            answer: dict[str, Any] = {
                "ok": True,
                "team_id": self._team_for(token),
                "team": "Test Team",
                "user_id": self.bot_user_id,
                "bot_id": "B0001",
                "url": "https://test.slack.com/",
                "is_enterprise_install": False,
            }
            if self.enterprise_id:
                answer["enterprise_id"] = self.enterprise_id  # a workspace of an Enterprise Grid org
            return answer
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            if channel in self.channels_without_bot:
                return {"ok": False, "error": "not_in_channel"}
            landed = "D" + channel[1:] if channel.startswith(("U", "W")) else channel
            posted: dict[str, Any] = {"type": "message", "ts": ts, "text": params.get("text"), "bot_id": "B0001"}
            metadata = params.get("metadata")
            if metadata:
                posted["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            thread_ts = str(params.get("thread_ts") or "")
            if thread_ts:
                # A reply joins the thread of the message it names (a reply's own ts names its parent's
                # thread: Slack's threads are one level deep); the parent counts its replies.
                parent = next((m for m in self.messages.get(landed, []) if m["ts"] == thread_ts), None)
                thread_ts = str(parent.get("thread_ts") or thread_ts) if parent is not None else thread_ts
                root = next((m for m in self.messages.get(landed, []) if m["ts"] == thread_ts), None)
                posted["thread_ts"] = thread_ts
                if root is not None:
                    root["thread_ts"] = thread_ts
                    root["reply_count"] = int(root.get("reply_count") or 0) + 1
                    root["latest_reply"] = ts
            self.messages[landed].append(posted)
            return {"ok": True, "channel": landed, "ts": ts, "message": {"ts": ts, "text": params.get("text")}}
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.replies":
            return self._replies(params)
        if method in {"chat.postEphemeral"}:
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": f"https://test.slack.com/archives/{params.get('channel')}/p{ts}"}
        if method in VIEW_METHODS:
            raw_view = params.get("view")
            view: dict[str, Any] = (json.loads(raw_view) if isinstance(raw_view, str) else raw_view) or {}
            if method == "views.publish":
                view_id = f"VH{params.get('user_id')}"
            else:
                view_id = str(params.get("view_id") or f"V{next(self._ts)}")
            self.views[view_id] = ts
            return {"ok": True, "view": {"id": view_id, "hash": ts, **view}}
        if method == "users.info":
            user_id = str(params.get("user"))
            user = self.users.get(user_id, {})
            if user.get("missing"):
                return {"ok": False, "error": "user_not_found"}
            # Shaped like Slack's users.info: a handle (name), real and display names (display may be ""),
            # the user's own workspace (team_id), and is_bot for apps and Slackbot.
            display = user.get("display_name", f"Person {user_id}")
            profile = {
                "display_name": display,
                "real_name": user.get("real_name", display),
                "team": self._team_for(token),
            }
            return {
                "ok": True,
                "user": {
                    "id": user_id,
                    "team_id": user.get("team_id", self._team_for(token)),
                    "name": user.get("name", user_id.lower()),
                    "real_name": profile["real_name"],
                    "is_bot": bool(user.get("is_bot", user_id == "USLACKBOT")),
                    "tz": user.get("tz", self.default_tz),
                    "deleted": False,
                    "profile": profile,
                },
            }
        if method == "users.list":
            members = [
                {"id": uid, "tz": u.get("tz", self.default_tz), "deleted": bool(u.get("deleted", False))}
                for uid, u in self.users.items()
            ]
            start = int(params.get("cursor") or 0)
            limit = int(params.get("limit") or 0) or len(members) or 1
            page, rest = members[start : start + limit], start + limit < len(members)
            return {
                "ok": True,
                "members": page,
                "response_metadata": {"next_cursor": str(start + limit) if rest else ""},
            }
        if method == "conversations.open":
            user_ids = str(params.get("users", "")).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user_ids[1:]}}
        if method == "conversations.info":
            channel = str(params.get("channel"))
            if channel in self.channels_gone:
                return {"ok": False, "error": "channel_not_found"}
            named = self.channel_names.get(channel, f"channel-{channel.lower()}")
            found = {"id": channel, "name": named, "is_member": channel not in self.channels_without_bot}
            return {"ok": True, "channel": found}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files or []]}
        if method == "oauth.v2.access":
            team = params.get("code", "T0002").split(":")[0]
            return {
                "ok": True,
                "app_id": "A0001",
                "access_token": f"xoxb-{team}-token",
                "token_type": "bot",
                "scope": ",".join(sorted(self.scopes)),
                "bot_user_id": self.bot_user_id,
                "team": {"id": team, "name": f"Team {team}"},
                "enterprise": None,
                "authed_user": {"id": "U0INSTALLER"},
                "is_enterprise_install": False,
            }
        return {"ok": False, "error": "unknown_method"}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, after ``oldest``, ``limit`` a page, offset cursors; metadata only when asked. Top-level
        messages only: a thread's replies are not listed (they are ``conversations.replies``'s)."""
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        found = [
            m
            for m in reversed(self.messages.get(channel, []))
            if float(m["ts"]) > oldest and m.get("thread_ts", m["ts"]) == m["ts"]
        ]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = found[start : start + limit]
        if str(params.get("include_all_metadata")).lower() not in {"true", "1"}:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread as Slack's conversations.replies gives it: ``ts`` names the parent or any reply of it
        (``thread_not_found`` otherwise, and for a missing ``ts``); the parent first, then the replies oldest
        first, those within ``oldest``/``latest`` (``inclusive``); ``limit`` up to 1000 (none: 1000, more:
        1000); offset cursors, ``invalid_cursor`` for one not handed out; metadata only when asked."""
        channel, ts = str(params.get("channel", "")), str(params.get("ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        messages = self.messages.get(channel, [])
        named = next((m for m in messages if m["ts"] == ts), None) if ts else None
        if named is None:
            return {"ok": False, "error": "thread_not_found"}
        root_ts = str(named.get("thread_ts") or named["ts"])
        root = next((m for m in messages if m["ts"] == root_ts), None)
        if root is None:
            return {"ok": False, "error": "thread_not_found"}
        inclusive = str(params.get("inclusive")).lower() in {"true", "1"}
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or float("inf"))

        def within(m: dict[str, Any]) -> bool:
            at = float(m["ts"])
            return (oldest <= at <= latest) if inclusive else (oldest < at < latest)

        replies = sorted(
            (m for m in messages if m.get("thread_ts") == root_ts and m["ts"] != root_ts and within(m)),
            key=lambda m: float(m["ts"]),
        )
        thread = [root, *replies]
        try:
            start = int(params.get("cursor") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        limit = int(params.get("limit") or 0)
        limit = min(limit, 1000) if limit > 0 else 1000
        if start < 0 or (start and start >= len(thread)):
            return {"ok": False, "error": "invalid_cursor"}
        page = thread[start : start + limit]
        if str(params.get("include_all_metadata")).lower() not in {"true", "1"}:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(thread)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY, as Slack's edge (and any HTTP/1.1 server meant for keep-alive) has it: the
            # headers and the body go out in two writes, and with Nagle on, the body of every answer on
            # a kept-alive connection waited for the client's delayed ACK (40 ms): 120 msg/s instead of
            # the 200 allowed in bench.weekly_prompt_fanout.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> None:
                raw = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def _params(self, raw: bytes) -> dict[str, Any]:
                content_type = self.headers.get("Content-Type", "")
                params: dict[str, Any] = dict(parse_qsl(urlparse(self.path).query))
                if "json" in content_type and raw:
                    params.update(json.loads(raw))
                elif raw:
                    params.update(dict(parse_qsl(raw.decode())))
                return params

            def do_POST(self) -> None:
                expected = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(expected)
                if len(raw) < expected:
                    return  # the client went away mid-request (killed): like Slack, act on nothing
                path = urlparse(self.path).path
                if path.startswith("/_sim/"):
                    # The benchmark's own control (minting, configuring): not Slack's API, so not slowed.
                    self._simulator(path.removeprefix("/_sim/"), raw)
                    return
                if fake.delay:
                    time.sleep(fake.delay)
                if path.startswith("/response/"):
                    name = path.removeprefix("/response/")
                    posted = json.loads(raw or b"{}")
                    with fake._changed:
                        issued = fake.response_urls.get(name)
                        refused: str | None = None
                        if issued is None:
                            refused = "invalid_url"
                        elif fake.monotonic() - issued.at > RESPONSE_URL_SECONDS:
                            refused = "expired_url"
                        elif issued.uses >= RESPONSE_URL_USES:
                            refused = "used_url"
                        else:
                            refused = blocks_error(posted.get("blocks"), MESSAGE_BLOCKS)
                        if refused is None:
                            issued.uses += 1  # type: ignore[union-attr]
                            fake.responses[name].append(posted)
                            fake.response_times[name].append(time.time())
                        else:
                            fake.refused.append((name, refused))
                        fake._changed.notify_all()
                    if refused in {"invalid_url", "expired_url", "used_url"}:
                        self._send(404, refused)
                    elif refused is not None:
                        self._send(400, refused)
                    else:
                        self._send(200, "ok")
                    return
                if path.startswith("/upload/"):
                    with fake._changed:
                        fake.uploads[path.removeprefix("/upload/")] = raw
                        fake._changed.notify_all()
                    self._send(200, "OK - uploaded")
                    return
                method = path.removeprefix("/api/")
                params = self._params(raw)
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") if auth else params.get("token")
                with fake._changed:
                    limit = fake._rate_limits.get(method)
                    now = time.monotonic()
                    team = fake._team_for(token)
                    throttled = fake.throttled.get(team)
                    wait = throttled if throttled is not None else limit.take(team, now) if limit else 0
                    if wait:
                        fake.refused.append((method, "ratelimited"))
                        fake.rate_limited[team] += 1
                        self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
                        return
                    if method == "chat.postMessage" and fake.channel_rate is not None:
                        wait_for = fake.channel_rate.take(str(params.get("channel", "")), now)
                        if wait_for:
                            fake.rate_limited[team] += 1
                            fake.refused.append((method, "ratelimited"))
                            retry = str(max(1, math.ceil(wait_for)))
                            self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry})
                            return
                    failure = fake._failures[method].popleft() if fake._failures[method] else None
                    if failure is None or failure.error is not None:
                        answer = (
                            {"ok": False, "error": failure.error}
                            if failure is not None
                            else fake._enforce(method, params, token) or fake._answer(method, params, token)
                        )
                        error = None if answer.get("ok") else str(answer.get("error"))
                        if error is not None and failure is None:
                            fake.refused.append((method, error))
                        fake.calls.append(Call(method=method, params=params, token=token, at=time.time(), error=error))
                        fake._changed.notify_all()
                if failure is not None and failure.error is None:
                    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
                    self._send(failure.status, {"ok": False, "error": "fake_failure"}, headers)
                    return
                if fake.delays.get(method):
                    # Slack did the work (the call is recorded) but the answer is slow to come back.
                    time.sleep(fake.delays[method])
                self._send(200, answer)

            def do_GET(self) -> None:
                if urlparse(self.path).path == "/_sim/calls":
                    self._simulator("calls", b"")
                    return
                self._send(404, {"ok": False, "error": "not_found"})

            def _simulator(self, verb: str, raw: bytes) -> None:
                """Control for a simulator in another process (benchmarks): mint, configure, read calls."""
                query = dict(parse_qsl(urlparse(self.path).query))
                if verb == "mint":
                    trigger, response_url = fake.mint(query["name"])
                    self._send(200, {"trigger_id": trigger, "response_url": response_url})
                elif verb == "config":
                    config = json.loads(raw or b"{}")
                    fake.delay = float(config.get("delay", fake.delay))
                    fake.delays.update(config.get("delays", {}))
                    if "channel_rate" in config:
                        fake.set_channel_rate(config["channel_rate"], int(config.get("burst", 5)))
                    for method, per_second in config.get("team_rates", {}).items():
                        fake.rate_limit(method, float(per_second), per_team=True)
                    for team, retry_after in config.get("throttle", {}).items():
                        fake.throttle_team(team, retry_after)
                    self._send(200, {"ok": True})
                elif verb == "calls":
                    with fake._lock:
                        since = int(query.get("since", 0))
                        calls = [asdict(c) for c in fake.calls[since:]]
                        responses = {name: list(times) for name, times in fake.response_times.items()}
                        refused = list(fake.refused)
                        rate_limited = dict(fake.rate_limited)
                    answer = {"calls": calls, "responses": responses, "refused": refused, "rate_limited": rate_limited}
                    self._send(200, answer)
                else:
                    self._send(404, {"ok": False, "error": "not_found"})

        return Handler
