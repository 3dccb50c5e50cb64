"""The operator contract's commands, run as real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.db.engine import make_engine
from tests.support.driver import http_request
from tests.support.fake_slack import FakeSlack
from tests.support.processes import clean_env, free_port, run_bot

pytestmark = pytest.mark.slow


def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    result = run_bot([], tmp_path, clean_env())
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stagecoach: SLACK_BOT_TOKEN is missing")
    assert "Traceback" not in result.stderr


def test_missing_signing_secret_is_named(tmp_path: Path) -> None:
    result = run_bot([], tmp_path, clean_env(SLACK_BOT_TOKEN="xoxb-1"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "stagecoach: SLACK_SIGNING_SECRET is missing: set it to the Signing Secret from your Slack app's "
        "Basic Information page."
    )


def test_malformed_setting_is_one_line(tmp_path: Path) -> None:
    result = run_bot([], tmp_path, clean_env(PORT="http"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0].startswith("stagecoach: PORT is malformed")
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    result = run_bot(["migrate"], tmp_path, clean_env())
    assert result.returncode == 0, result.stderr
    database = tmp_path / "data" / "stagecoach.db"
    assert database.exists()
    engine = make_engine(f"sqlite:///{database}")
    assert "members" in inspect(engine).get_table_names()
    engine.dispose()


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    result = run_bot(["migrate"], tmp_path, env)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("stagecoach: DATABASE_URL: cannot migrate the database")
    assert "Traceback" not in result.stderr


def test_tick_runs_once_and_exits(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = clean_env(SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL=fake_slack.api_url)
    result = run_bot(["tick", "--at", "2026-11-20T21:00:00Z"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "tick at 2026-11-20T21:00:00+00:00" in result.stdout


def test_tick_rejects_a_malformed_time(tmp_path: Path) -> None:
    result = run_bot(["tick", "--at", "friday"], tmp_path, clean_env(SLACK_BOT_TOKEN="xoxb-1"))
    assert result.returncode == 2
    assert "is not an ISO-8601 time" in result.stderr


def test_refused_token_is_one_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = clean_env(SLACK_BOT_TOKEN="xoxb-revoked-1", SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake_slack.api_url)
    result = run_bot([], tmp_path, env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("stagecoach: SLACK_BOT_TOKEN was refused by Slack")


def test_serve_starts_and_becomes_healthy(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=fake_slack.api_url,
        PORT=str(port),
        BOT_SCHEDULER="off",
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = started + 30
        status = None
        while time.perf_counter() < deadline:
            try:
                status = http_request(f"http://127.0.0.1:{port}/healthz").status
            except OSError:
                status = None
            if status == 200:
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        assert status == 200
        print(f"\nstartup: python -m bot to a healthy /healthz in {elapsed:.2f} s")
        assert (tmp_path / "data" / "stagecoach.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
