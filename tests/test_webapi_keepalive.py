"""Keep-alive Web API and response_url calls (bot/webapi/keepalive.py), against real loopback servers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.webapi.client import make_web_client
from bot.webapi.keepalive import KeepAliveWebhookClient
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    simulator = FakeSlack().start()
    yield simulator
    simulator.stop()


def test_calls_from_one_thread_share_one_connection(fake: FakeSlack) -> None:
    client = make_web_client(fake.api_url, "xoxb-test")
    for _ in range(5):
        assert client.auth_test()["ok"]
    # A second client (Bolt builds one per request) reuses the same thread's connection.
    assert make_web_client(fake.api_url, "xoxb-test").auth_test()["ok"]
    assert fake.connections == 1


def test_each_thread_keeps_its_own_connection(fake: FakeSlack) -> None:
    client = make_web_client(fake.api_url, "xoxb-test")
    threads = [threading.Thread(target=lambda: [client.auth_test() for _ in range(3)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.connections == 4


def test_slack_errors_and_429_retry_after_work_as_through_urllib(fake: FakeSlack) -> None:
    client = make_web_client(fake.api_url, "xoxb-test", handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="never-minted", view={"type": "modal", "title": {}, "blocks": []})
    assert refused.value.response["error"] == "invalid_trigger_id"
    fake.rate_limit("chat.postMessage", per_second=1.0)
    assert client.chat_postMessage(channel="U0001", text="one")["ok"]
    assert client.chat_postMessage(channel="U0001", text="two")["ok"]  # waited out Retry-After, then sent
    assert [call.params["text"] for call in fake.calls if call.method == "chat.postMessage"] == ["one", "two"]


def test_response_url_posts_reuse_the_connection(fake: FakeSlack) -> None:
    _, response_url = fake.mint("kept")
    for text in ("first", "second"):
        assert KeepAliveWebhookClient(url=response_url).send(text=text).status_code == 200
    assert [reply["text"] for reply in fake.responses["kept"]] == ["first", "second"]
    assert fake.connections == 1


class ClosingServer:
    """Answers one request per connection (no ``Connection: close`` header), then hangs up: an idle
    keep-alive connection the server dropped, as load balancers do.

    ``mid_request``: it hangs up only once the next request has arrived on the connection (the server's
    idle timeout racing the client's send), so the client cannot have seen the close before sending.
    """

    def __init__(self, *, mid_request: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.accepted = 0
        self.mid_request = mid_request
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/"

    @staticmethod
    def _read_request(connection: socket.socket) -> bool:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(65536)
            if not chunk:
                return False
            request += chunk
        head, _, body = request.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next((int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length")), 0)
        while len(body) < length:
            body += connection.recv(65536)
        return True

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            with connection:
                if not self._read_request(connection):
                    continue
                answer = b'{"ok": true, "user_id": "UBOT", "team_id": "T0001"}'
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(answer)).encode()
                    + b"\r\n\r\n"
                    + answer
                )
                if self.mid_request:
                    self._read_request(connection)  # the next request arrives; it gets no answer

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize("mid_request", [False, True], ids=["closed-while-idle", "closed-as-reused"])
def test_a_connection_the_server_closed_is_replaced(mid_request: bool) -> None:
    """Closed while idle: seen before reuse. Closed as it is reused (the server's idle timeout racing our
    send): the call goes again on a new connection. Either way each call after the first gets a new one."""
    server = ClosingServer(mid_request=mid_request)
    try:
        # No retry handlers: a send on the dead connection would fail the call outright.
        client = make_web_client(server.url, "xoxb-test", handlers=[])
        for _ in range(3):
            assert client.auth_test()["ok"]
        assert server.accepted == 3
    finally:
        server.close()
