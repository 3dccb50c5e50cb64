"""The README's commands (Quick start, Deployment, Development) run as written, in a fresh copy of the repository.

Every command those sections show is listed in COVERAGE with where it is proved: run here, in a copy of the
tracked files (a fresh clone, with this run's .venv linked in so nothing is installed twice), or by CI
(`make test` is what .ci/run runs), or by the container test (no container engine here), or, for the two
that need PyPI, by what their output must satisfy. A command added to the README without a line here fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.db.engine import make_engine
from tests.support.driver import http_request
from tests.support.fake_slack import FakeSlack
from tests.support.processes import clean_env, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SECTIONS = ("Quick start", "Deployment", "Development")

HERE = "run by this file"
CI = "run by CI: .ci/run runs `make test` with TEST_POSTGRES_URL set (tests/test_readme.py checks .ci/run)"
CONTAINER = "no container engine here: tests/test_container.py runs the image's layout as the Dockerfile builds it"
NETWORK = "needs PyPI: `make -n lock` is checked here and tests/test_lock.py checks the files it writes"

COVERAGE = {
    "make test": CI,
    "make run": HERE,
    "make test TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test": CI,
    "make test PYTHON=python3.11": HERE + " (the PYTHON= override) and CI (make test)",
    "make test TEST_WORKERS=1": CI + " (TEST_WORKERS is how many workers it uses)",
    "make test-shifted SHIFT=400": "run by CI: .ci/run runs it for +400 and -30 days (checked here)",
    "* * * * * cd /srv/stagecoach && .venv/bin/python -m bot tick >> /var/log/stagecoach-tick.log 2>&1": HERE,
    "docker build -t stagecoach .": CONTAINER,
    "docker run --env-file .env -p 3000:3000 -v stagecoach-data:/data stagecoach": CONTAINER,
    "docker run --rm --env-file .env stagecoach python -m bot tick": CONTAINER + "; `python -m bot tick`: " + HERE,
    "chown 10001 /srv/stagecoach-data": CONTAINER + " (the uid in the refusal is the image's)",
    "python -m bot": HERE,
    "python -m bot migrate": HERE,
    "python -m bot tick": HERE,
    "make install": HERE,
    "make lint": CI,
    'make migration m="what changed"': HERE,
    "make lock": NETWORK,
    "make lock LOCK_ARGS=--upgrade": NETWORK,
}


def readme_commands() -> list[str]:
    commands: list[str] = []
    for part in re.split(r"^## ", README, flags=re.MULTILINE)[1:]:
        if part.splitlines()[0].strip() not in SECTIONS:
            continue
        for language, body in re.findall(r"```(\w*)\n(.*?)```", part, re.DOTALL):
            if language in {"sh", "cron"}:
                for line in body.splitlines():
                    command = re.split(r"\s{2,}#", line)[0].strip()
                    if command and not command.startswith("#"):
                        commands.append(command)
        prose = re.sub(r"```.*?```", "", part, flags=re.DOTALL)
        spans = re.findall(r"`([^`\n]+)`", prose)
        commands += [span for span in spans if re.match(r"(make|python|\.venv/|docker|chown) ", span)]
    return list(dict.fromkeys(commands))


def test_every_readme_command_is_accounted_for() -> None:
    assert sorted(readme_commands()) == sorted(COVERAGE)


def test_ci_runs_make_test_with_postgresql() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)
    assert re.search(r"^make test-shifted SHIFT=400$", ci, re.MULTILINE)
    assert re.search(r"^make test-shifted SHIFT=-30$", ci, re.MULTILINE)
    assert 'export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"' in ci


# -- a fresh copy ---------------------------------------------------------------------------------


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    return [name for name in listed if name and (ROOT / name).is_file()]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The repository's files as a fresh clone has them, plus this run's installed .venv (linked)."""
    venv = ROOT / ".venv"
    installed = venv / ".installed"
    if shutil.which("git") is None or shutil.which("make") is None or not installed.exists():
        pytest.skip("needs git, make and a .venv made by `make install`")
    copy = tmp_path / "stagecoach"
    for name in tracked_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to(venv)
    # make decides by mtime; the copies must not look newer than the venv they share (no reinstall here).
    stamp = installed.stat().st_mtime - 60
    for name in ("pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        os.utime(copy / name, (stamp, stamp))
    return copy


def shell(command: str, cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """A README line through /bin/sh, as an operator's shell (or cron) runs it; `python` is the clone's venv."""
    environment = clean_env(**env)
    environment["PATH"] = f"{cwd / '.venv' / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )


def write_env(clone: Path, fake: FakeSlack, **values: str) -> None:
    """The README's .env: .env.example with the token and secret filled in (and the fake Web API)."""
    settings = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake.api_url, **values}
    lines = []
    for line in (clone / ".env.example").read_text().splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={settings.pop(key)}" if key in settings and "=" in line else line)
    lines += [f"{key}={value}" for key, value in settings.items()]
    (clone / ".env").write_text("\n".join(lines) + "\n")


def tables(database: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


# -- Quick start ---------------------------------------------------------------------------------


def test_make_run_without_slack_settings_stops_with_one_line(clone: Path) -> None:
    result = shell("make run", clone)
    # Only the bot's line: make says nothing after it (the recipe ends quietly on the bot's exit status 2,
    # its start-up failure; `python -m bot` itself still exits 2, tested in test_startup_failures.py).
    [line] = result.stderr.splitlines()
    assert result.stdout == ""
    assert line.startswith("stagecoach: SLACK_BOT_TOKEN is missing: set it to the Bot User OAuth Token (xoxb-...)")
    assert "Traceback" not in result.stderr


def test_make_install_is_up_to_date_in_a_set_up_clone(clone: Path) -> None:
    result = shell("make install", clone)
    assert result.returncode == 0, result.stderr
    assert "pip install" not in result.stdout


def test_the_python_override_picks_the_interpreter(clone: Path, tmp_path: Path) -> None:
    (clone / ".venv").unlink()  # a clone never set up
    started = time.monotonic()
    result = shell("make install PYTHON=python3.9-not-here", clone)
    assert result.returncode != 0 and time.monotonic() - started < 10
    assert "stagecoach needs Python 3.11 or newer; 'python3.9-not-here' is missing." in result.stderr
    assert "make install PYTHON=python3.11" in result.stderr
    assert not (clone / ".venv").exists()
    planned = shell("make -n test PYTHON=python3.11", clone)
    assert "python3.11 -m venv .venv" in planned.stdout


# -- Deployment ----------------------------------------------------------------------------------


def test_python_m_bot_migrate_then_serve(clone: Path, fake_slack: FakeSlack) -> None:
    migrated = shell("python -m bot migrate", clone)
    assert migrated.returncode == 0, migrated.stderr
    assert "members" in tables(clone / "data" / "stagecoach.db")
    port = free_port()
    write_env(clone, fake_slack, PORT=str(port), BOT_SCHEDULER="off")
    environment = clean_env()
    environment["PATH"] = f"{clone / '.venv' / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    server = subprocess.Popen(
        ["/bin/sh", "-c", "exec python -m bot"], cwd=clone, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        healthy = False
        while not healthy and time.monotonic() < deadline and server.poll() is None:
            try:
                healthy = http_request(f"http://127.0.0.1:{port}/healthz").status == 200
            except OSError:
                time.sleep(0.05)
        assert healthy, server.stderr.read() if server.poll() is not None and server.stderr else "not healthy"
        assert http_request(f"http://127.0.0.1:{port}/metrics").status == 200
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_python_m_bot_tick_and_make_tick(clone: Path, fake_slack: FakeSlack) -> None:
    write_env(clone, fake_slack)
    result = shell("python -m bot tick", clone)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("tick at ")
    made = shell("make tick AT=2026-11-20T21:00:00Z", clone)
    assert made.returncode == 0, made.stderr
    assert "tick at 2026-11-20T21:00:00+00:00" in made.stdout


def test_the_cron_line_runs_as_written(clone: Path, fake_slack: FakeSlack, tmp_path: Path) -> None:
    write_env(clone, fake_slack)
    [cron] = [command for command in COVERAGE if command.startswith("* * * * * ")]
    command = cron.removeprefix("* * * * * ")
    log = tmp_path / "stagecoach-tick.log"
    command = command.replace("/srv/stagecoach", str(clone)).replace("/var/log/stagecoach-tick.log", str(log))
    result = subprocess.run(
        ["/bin/sh", "-c", command], cwd="/", env=clean_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, log.read_text()
    assert log.read_text().splitlines()[-1].startswith("tick at ")


# -- Development ---------------------------------------------------------------------------------


def test_the_new_migration_recipe_works_on_a_fresh_dev_db(clone: Path) -> None:
    assert not (clone / "data" / "dev.db").exists()
    before = set((clone / "migrations" / "versions").glob("*.py"))
    result = shell('make migration m="what changed"', clone)
    assert result.returncode == 0, result.stderr
    [revision] = set((clone / "migrations" / "versions").glob("*.py")) - before
    assert revision.name.endswith("_what_changed.py")
    # The models are unchanged, so autogenerate finds nothing to do (and the recipe compared against head).
    assert re.search(r"def upgrade\(\) -> None:\n(?:\s+#.*\n)*\s+pass\n", revision.read_text())
    without_message = shell("make migration", clone)
    assert without_message.returncode != 0
    assert 'make migration m="add a column"' in without_message.stderr


def test_make_lock_would_rewrite_both_lock_files(clone: Path) -> None:
    planned = shell("make -n lock", clone).stdout
    assert "-o requirements.lock pyproject.toml" in planned
    assert "--extra dev --constraint requirements.lock" in planned and "-o requirements-dev.lock" in planned
    for name in ("requirements.lock", "requirements-dev.lock"):
        header = (ROOT / name).read_text().splitlines()[4]
        # What pip-compile records as its own command line is what `make lock` runs.
        for flag in ("--generate-hashes", "--allow-unsafe", "--strip-extras", "--no-emit-index-url"):
            assert flag in header
