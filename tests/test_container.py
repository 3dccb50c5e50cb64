"""The container: slim base, non-root, pinned, a working HEALTHCHECK, and the README's `docker run` as documented.

No Docker engine runs here, so the image is checked by what it promises: its Dockerfile, and the app
run from a runtime layout built by following the Dockerfile's final stage (its ENV, its RUN steps with
/app and /data moved under a scratch root, its COPYs and WORKDIR), as the image's user (USER, the uid
useradd gave it), with the settings `docker run --env-file .env` gives it when .env is the README's copy
of .env.example with the token and secret filled in.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.driver import SlackDriver, http_request
from tests.support.fake_slack import FakeSlack
from tests.support.processes import clean_env, free_port

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


def test_dependencies_come_from_the_lock_file_with_hashes() -> None:
    installs = [run for run in instructions("RUN") if "pip install" in run]
    assert installs, "the image installs its dependencies somewhere"
    for install in installs:
        assert "-r requirements.lock" in install and "--require-hashes" in install, install
    assert "COPY requirements.lock ./" in DOCKERFILE


def test_env_example_leaves_the_database_to_the_image() -> None:
    # docker run --env-file .env passes this line through, over the image's ENV: a path of its own here
    # (it used to be ./data/ under the root-owned /app) crashed the README's command.
    assert env_file(ROOT / ".env.example")["DATABASE_URL"] == ""


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


def env_file(path: Path) -> dict[str, str]:
    """What `docker run --env-file` reads: KEY=VALUE lines taken literally; '#' lines and blanks skipped."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


@dataclass
class Image:
    root: Path
    workdir: Path
    env: dict[str, str]
    uid: int | None = None
    chowned: list[Path] = field(default_factory=list)

    def inside(self, path: str) -> Path:
        return self.root / path.lstrip("/")


def final_stage_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in instructions("ENV"):
        for pair in shlex.split(line):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def build_runtime_layout(root: Path, chown_data: bool = True) -> Image:
    """Follow the final stage's instructions, with / moved to ``root``; unknown steps fail the test."""
    image = Image(root=root, workdir=root, env={})
    for key, value in final_stage_env().items():
        image.env[key] = value.replace("sqlite:////", f"sqlite:///{root}/")
    for run in re.findall(r"^RUN (.+)$", final_stage(), re.MULTILINE):
        for step in (shlex.split(part) for part in run.split("&&")):
            if step[0] == "useradd":
                image.uid = int(step[step.index("--uid") + 1])
            elif step[0] == "mkdir":
                image.inside(step[-1]).mkdir(parents=True)
            elif step[0] == "chown":
                if chown_data:
                    image.chowned.append(image.inside(step[-1]))
            elif step[:2] == ["ln", "-s"]:
                image.inside(step[3]).symlink_to(image.inside(step[2]))
            else:
                pytest.fail(f"the layout builder does not know this Dockerfile step yet: {step}")
    for instruction in re.findall(r"^(WORKDIR|COPY) (?!--from)(.+)$", final_stage(), re.MULTILINE):
        if instruction[0] == "WORKDIR":
            image.workdir = image.inside(instruction[1].strip())
            image.workdir.mkdir(parents=True, exist_ok=True)
            continue
        *sources, destination = instruction[1].split()
        for relative in sources:
            # COPY x dir/ puts x inside dir; COPY x path names the copy itself.
            source = ROOT / relative
            target = image.workdir / destination / (Path(relative).name if destination.endswith("/") else "")
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
    runs_as_root = os.geteuid() == 0
    for path in image.chowned:
        if runs_as_root and image.uid is not None:
            os.chown(path, image.uid, image.uid)
    if not runs_as_root:
        image.uid = None  # we are already an unprivileged user
    return image


@pytest.fixture
def scratch_root() -> Iterator[Path]:
    """A root the image's user can reach (pytest's tmp_path is private to the user running the tests)."""
    root = Path(tempfile.mkdtemp(prefix="stagecoach-image-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def docker_run_env(image: Image, **overrides: str) -> dict[str, str]:
    """The image's ENV, then `--env-file .env` (the README's copy of .env.example, token and secret filled in)."""
    env = clean_env(**image.env)
    env.update(env_file(ROOT / ".env.example"))
    env.update(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    env.update(overrides)
    return env


def image_python(image: Image, env: dict[str, str]) -> str:
    """The interpreter the image's user runs: ours, or (when ours lives where that user may not go, e.g. under
    /root) another CPython of the same version, given our installed dependencies through PYTHONPATH."""
    if image.uid is None:
        return sys.executable
    key = (image.uid, env.get("PYTHONPATH"))
    if key not in _INTERPRETERS:  # found once a run: each probe is a process (0.3 s of CPU)
        _INTERPRETERS[key] = _interpreter_for(image.uid, env)
    found = _INTERPRETERS[key]
    if found is None:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        pytest.skip(f"no {version} with our dependencies is readable by uid {image.uid} (the image's user) here")
    candidate, env["PYTHONPATH"] = found
    return candidate


_INTERPRETERS: dict[tuple[int, str | None], tuple[str, str] | None] = {}


def _interpreter_for(uid: int, env: dict[str, str]) -> tuple[str, str] | None:
    """The interpreter ``uid`` can run with our dependencies, and the PYTHONPATH that gives them."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    for candidate in dict.fromkeys(
        [sys.executable, *(shutil.which(version, path=p) for p in ("/usr/local/bin", "/usr/bin"))]
    ):
        if candidate is None:
            continue
        # Keep a PYTHONPATH already set (the shifted clock's sitecustomize, on CI's shifted run) in front.
        trial = {**env, "PYTHONPATH": os.pathsep.join([p for p in (env.get("PYTHONPATH"), *site) if p])}
        try:
            probe = subprocess.run(
                [candidate, "-c", "import slack_bolt, sqlalchemy, prometheus_client"],
                env=trial, capture_output=True, user=uid, group=uid, extra_groups=[], timeout=60,
            )  # fmt: skip
        except PermissionError:
            continue
        if probe.returncode == 0:
            return candidate, trial["PYTHONPATH"]
    return None


def start_image(image: Image, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [image_python(image, env), "-m", "bot"],
        cwd=image.workdir,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        user=image.uid,
        group=image.uid,
        extra_groups=[] if image.uid is not None else None,
    )


def wait_healthy(port: int, server: subprocess.Popen[str], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if http_request(f"http://127.0.0.1:{port}/healthz").status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_readme_docker_run_is_healthy_with_sqlite_in_data(scratch_root: Path, fake_slack: FakeSlack) -> None:
    image = build_runtime_layout(scratch_root)
    if os.geteuid() == 0:
        assert image.uid is not None and image.uid != 0
    port = free_port()
    env = docker_run_env(image, SLACK_API_URL=fake_slack.api_url, PORT=str(port))
    server = start_image(image, env)
    try:
        assert wait_healthy(port, server), (
            server.stderr.read() if server.stderr is not None and server.poll() is not None else "not healthy"
        )
        [healthcheck] = instructions("HEALTHCHECK")
        probe = shlex.split(healthcheck.split(" CMD ", 1)[1])
        assert probe[0] == "python"
        result = subprocess.run([sys.executable, *probe[1:]], env=env, capture_output=True, timeout=10)
        assert result.returncode == 0, result.stderr
        # And it answers Slack with the bot token (no OAuth install switched on by blank .env lines).
        slack = SlackDriver(f"http://127.0.0.1:{port}", "s", fake_slack)
        assert slack.command("/stage", "1").status == 200
        assert slack.responses(timeout=10)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    # The database is in the volume, not in /app; the app folder stayed as the image built it.
    assert (image.inside("/data") / "stagecoach.db").is_file()
    assert (
        not any(path.suffix == ".db" for path in image.workdir.rglob("*") if not path.is_symlink())
        or (image.workdir / "data").is_symlink()
    )
    # Nothing at start-up that an operator would have to act on.
    levels = [json.loads(line)["level"] for line in stderr.splitlines() if line.startswith("{")]
    assert "WARNING" not in levels and "ERROR" not in levels, stderr
    assert "file-based" not in stderr and "will be unused" not in stderr
    # With the server gone, the same probe fails: the check is real.
    result = subprocess.run([sys.executable, *probe[1:]], env=env, capture_output=True, timeout=10)
    assert result.returncode != 0


@pytest.mark.slow
def test_an_unwritable_data_volume_is_refused_with_one_line(scratch_root: Path, fake_slack: FakeSlack) -> None:
    # A root-owned bind mount: /data exists but the image's user may not write to it.
    image = build_runtime_layout(scratch_root, chown_data=False)
    data = image.inside("/data")
    if image.uid is None:
        data.chmod(0o555)
    env = docker_run_env(image, SLACK_API_URL=fake_slack.api_url, PORT=str(free_port()))
    server = start_image(image, env)
    try:
        _, stderr = server.communicate(timeout=60)
    finally:
        data.chmod(0o755)
    uid = image.uid if image.uid is not None else os.geteuid()
    assert server.returncode == 2
    assert stderr.strip() == (
        f"stagecoach: DATABASE_URL: the data folder {data} is not writable by user id {uid}; make it writable "
        f"by that user (e.g. chown {uid} {data}) or point DATABASE_URL elsewhere."
    )


@pytest.mark.slow
def test_postgresql_by_url_needs_no_volume(scratch_root: Path, fake_slack: FakeSlack, scratch_database: str) -> None:
    if not scratch_database.startswith("postgresql"):
        pytest.skip("PostgreSQL by URL: runs when TEST_DATABASE_URL is a PostgreSQL server (CI's second pass)")
    image = build_runtime_layout(scratch_root, chown_data=False)  # /data unwritable, and not needed
    port = free_port()
    env = docker_run_env(image, DATABASE_URL=scratch_database, SLACK_API_URL=fake_slack.api_url, PORT=str(port))
    server = start_image(image, env)
    try:
        assert wait_healthy(port, server), "not healthy"
    finally:
        server.terminate()
        server.communicate(timeout=10)


@pytest.mark.slow
def test_a_database_file_the_image_user_cannot_write_is_refused(scratch_root: Path, fake_slack: FakeSlack) -> None:
    # The volume is the image user's, but the database in it was copied in by root (and is read-only to others).
    image = build_runtime_layout(scratch_root)
    database = image.inside("/data") / "stagecoach.db"
    database.write_bytes(b"")
    database.chmod(0o444)
    env = docker_run_env(image, SLACK_API_URL=fake_slack.api_url, PORT=str(free_port()))
    server = start_image(image, env)
    _, stderr = server.communicate(timeout=60)
    uid = image.uid if image.uid is not None else os.geteuid()
    assert server.returncode == 2
    [line] = stderr.strip().splitlines()
    assert line.startswith(f"stagecoach: DATABASE_URL: the database file {database} in the data folder")
    assert f"is not writable by user id {uid}" in line
