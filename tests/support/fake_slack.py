"""A fake Slack Web API on an ephemeral loopback port.

It records every call (method, parameters, token), answers like Slack for the
methods the bot uses, and can be told to fail: ``fail_next("chat.postMessage",
status=429, retry_after=1)`` or ``status=500``. It also serves ``response_url``s
(``/response/<id>``) and the file-upload URLs of files.getUploadURLExternal.
An optional rate limit answers 429 once a method is called faster than allowed.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    at: float


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None


@dataclass
class RateLimit:
    per_second: float
    window: deque[float] = field(default_factory=deque)


Handler = Callable[[dict[str, Any], str | None], dict[str, Any]]


class FakeSlack:
    def __init__(self, team_id: str = "T0001", bot_user_id: str = "UBOT") -> None:
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # token -> team_id, for multi-workspace tests
        self.channels_without_bot: set[str] = set()
        self.handlers: dict[str, Handler] = {}
        self.default_team_id = team_id
        self.bot_user_id = bot_user_id
        self.default_tz = "America/New_York"
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
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._make_handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
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
        return f"{self.base}/response/{name}"

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

    def rate_limit(self, method: str, per_second: float) -> None:
        with self._lock:
            self._rate_limits[method] = RateLimit(per_second=per_second)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self.uploads.clear()
            self._failures.clear()
            self._rate_limits.clear()
            self.messages.clear()
            self.delays.clear()
            self.channels_without_bot.clear()
            self.handlers.clear()

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
        return self.tokens.get(token or "", self.default_team_id)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method in self.handlers:
            return self.handlers[method](params, token)
        ts = f"{int(self.clock())}.{next(self._ts):06d}"
        if method == "auth.test":
            if token and token.startswith("xoxb-revoked"):
                return {"ok": False, "error": "invalid_auth"}
            return {
                "ok": True,
                "team_id": self._team_for(token),
                "team": "Test Team",
                "user_id": self.bot_user_id,
                "bot_id": "B0001",
                "url": "https://test.slack.com/",
            }
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            if channel in self.channels_without_bot:
                return {"ok": False, "error": "not_in_channel"}
            landed = "D" + channel[1:] if channel.startswith(("U", "W")) else channel
            posted: dict[str, Any] = {"type": "message", "ts": ts, "text": params.get("text"), "bot_id": "B0001"}
            metadata = params.get("metadata")
            if metadata:
                posted["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            self.messages[landed].append(posted)
            return {"ok": True, "channel": landed, "ts": ts, "message": {"ts": ts, "text": params.get("text")}}
        if method == "conversations.history":
            return self._history(params)
        if method in {"chat.postEphemeral"}:
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": f"https://test.slack.com/archives/{params.get('channel')}/p{ts}"}
        if method in {"views.open", "views.push", "views.update", "views.publish"}:
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": params.get("view_id") or f"V{next(self._ts)}", "hash": ts, **view}}
        if method == "users.info":
            user_id = str(params.get("user"))
            user = self.users.get(user_id, {})
            if user.get("missing"):
                return {"ok": False, "error": "user_not_found"}
            profile = {"display_name": user.get("display_name", f"Person {user_id}")}
            return {
                "ok": True,
                "user": {"id": user_id, "tz": user.get("tz", self.default_tz), "deleted": False, "profile": profile},
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
            user = str(params.get("users", "")).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user[1:]}}
        if method == "conversations.info":
            channel = str(params.get("channel"))
            return {"ok": True, "channel": {"id": channel, "is_member": channel not in self.channels_without_bot}}
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
                "scope": "commands,chat:write",
                "bot_user_id": self.bot_user_id,
                "team": {"id": team, "name": f"Team {team}"},
                "enterprise": None,
                "authed_user": {"id": "U0INSTALLER"},
                "is_enterprise_install": False,
            }
        return {"ok": False, "error": "unknown_method"}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, after ``oldest``, ``limit`` a page, offset cursors; metadata only when asked."""
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        found = [m for m in reversed(self.messages.get(channel, [])) if float(m["ts"]) > oldest]
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

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

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
                if fake.delay:
                    time.sleep(fake.delay)
                path = urlparse(self.path).path
                if path.startswith("/response/"):
                    with fake._changed:
                        fake.responses[path.removeprefix("/response/")].append(json.loads(raw or b"{}"))
                        fake._changed.notify_all()
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
                    if limit is not None:
                        while limit.window and now - limit.window[0] >= 1.0:
                            limit.window.popleft()
                        if len(limit.window) >= limit.per_second:
                            wait = max(1, int(1.0 - (now - limit.window[0]) + 0.999))
                            self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
                            return
                        limit.window.append(now)
                    failure = fake._failures[method].popleft() if fake._failures[method] else None
                    if failure is None or failure.error is not None:
                        answer = (
                            {"ok": False, "error": failure.error}
                            if failure is not None
                            else fake._answer(method, params, token)
                        )
                        fake.calls.append(Call(method=method, params=params, token=token, at=time.time()))
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
                self._send(404, {"ok": False, "error": "not_found"})

        return Handler
