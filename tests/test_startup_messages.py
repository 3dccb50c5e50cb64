"""What an operator reads at start: the right hint for each mode, a warning for plain-text tokens, no noise."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.settings import DEFAULT_DATABASE_URL, Settings
from tests.support.driver import http_request
from tests.support.fake_slack import FakeSlack
from tests.support.processes import clean_env, free_port, run_bot

pytestmark = pytest.mark.slow


def test_only_the_app_token_asks_for_the_bot_token_for_socket_mode(tmp_path: Path) -> None:
    result = run_bot([], tmp_path, clean_env(SLACK_APP_TOKEN="xapp-1-abc"))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("stagecoach: SLACK_BOT_TOKEN is missing: Socket Mode (SLACK_APP_TOKEN is set) needs it too")
    assert "SLACK_CLIENT_ID" not in line and "multi-workspace" not in line


def test_a_blank_database_url_means_the_default() -> None:
    # docker run --env-file passes `DATABASE_URL=` through as an empty value.
    assert Settings(_env_file=None, database_url="").database_url == DEFAULT_DATABASE_URL


def start_logs(tmp_path: Path, fake_slack: FakeSlack, **settings: str) -> list[dict[str, object]]:
    """Start ``python -m bot`` until it is healthy; return its JSON log lines."""
    port = free_port()
    env = clean_env(SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake_slack.api_url, PORT=str(port), BOT_SCHEDULER="off")
    env.update(settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if http_request(f"http://127.0.0.1:{port}/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        assert process.poll() is None, "the bot stopped"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def warnings(logs: list[dict[str, object]]) -> list[str]:
    return [str(entry["message"]) for entry in logs if entry["level"] in {"WARNING", "ERROR"}]


def test_oauth_without_an_encryption_key_warns_once_at_start(tmp_path: Path, fake_slack: FakeSlack) -> None:
    logs = start_logs(tmp_path, fake_slack, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="c")
    [warning] = warnings(logs)
    assert "TOKEN_ENCRYPTION_KEY is not set" in warning and "unencrypted" in warning


def test_oauth_with_an_encryption_key_starts_without_warnings(tmp_path: Path, fake_slack: FakeSlack) -> None:
    key = Fernet.generate_key().decode()
    logs = start_logs(tmp_path, fake_slack, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="c", TOKEN_ENCRYPTION_KEY=key)
    assert warnings(logs) == []


def test_single_workspace_starts_without_warnings(tmp_path: Path, fake_slack: FakeSlack) -> None:
    # SLACK_BOT_TOKEN in the environment used to make Bolt warn "As you gave `client` as well, `token` will be
    # unused" on every start; blank OAuth variables (as in .env.example) must not switch on Bolt's own install.
    logs = start_logs(tmp_path, fake_slack, SLACK_BOT_TOKEN="xoxb-1", SLACK_CLIENT_ID="", SLACK_CLIENT_SECRET="")
    assert warnings(logs) == []
    assert not any("file-based" in str(entry["message"]) for entry in logs)
