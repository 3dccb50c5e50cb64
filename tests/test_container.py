"""The container: slim base, non-root, a working HEALTHCHECK, and an image layout that migrates and serves.

No Docker engine runs here, so the image is checked by what it promises: its Dockerfile, and
the app run from a folder holding exactly what the Dockerfile copies.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.driver import http_request
from tests.support.fake_slack import FakeSlack
from tests.test_cli import clean_env, free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1].strip() for line in joined.splitlines() if line.startswith(name + " ")]


def final_stage() -> str:
    return DOCKERFILE.replace("\\\n", " ").split("\nFROM ")[-1]


def test_base_image_is_slim() -> None:
    assert all("slim" in base for base in instructions("FROM"))


def test_runs_as_a_non_root_user() -> None:
    users = re.findall(r"^USER (\S+)", final_stage(), re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}


def test_healthcheck_probes_healthz_and_cmd_starts_the_bot() -> None:
    [healthcheck] = instructions("HEALTHCHECK")
    assert "/healthz" in healthcheck
    assert instructions("CMD")[-1] == '["python", "-m", "bot"]'


def copied_paths() -> list[str]:
    paths = []
    for copy in re.findall(r"^COPY (?!--from)(.+)$", final_stage(), re.MULTILINE):
        *sources, _destination = copy.split()
        paths += sources
    return paths


@pytest.fixture
def image_layout(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    for relative in copied_paths():
        source = ROOT / relative
        if source.is_dir():
            shutil.copytree(source, app / relative, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, app / relative)
    return app


@pytest.mark.slow
def test_image_layout_migrates_serves_and_passes_its_healthcheck(
    image_layout: Path, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    database = f"sqlite:///{tmp_path / 'data' / 'stagecoach.db'}"
    migrate = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=image_layout,
        env=clean_env(DATABASE_URL=database),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    env = clean_env(
        DATABASE_URL=database,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=fake_slack.api_url,
        PORT=str(port),
        BOT_SCHEDULER="off",
    )
    server = subprocess.Popen([sys.executable, "-m", "bot"], cwd=image_layout, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http_request(f"http://127.0.0.1:{port}/healthz").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        [healthcheck] = instructions("HEALTHCHECK")
        probe = shlex.split(healthcheck.split(" CMD ", 1)[1])
        assert probe[0] == "python"
        result = subprocess.run([sys.executable, *probe[1:]], env=env, capture_output=True, timeout=10)
        assert result.returncode == 0, result.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)
    # With the server gone, the same probe fails: the check is real.
    result = subprocess.run([sys.executable, *probe[1:]], env=env, capture_output=True, timeout=10)
    assert result.returncode != 0
