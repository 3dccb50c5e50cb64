"""The lock files are in step with pyproject.toml, with each other, and with the environment under test.

requirements.lock (runtime, what the image installs) and requirements-dev.lock (runtime pins plus the dev
tools, what `make install` and CI install) are written by pip-compile (`make lock`). Checked offline:
every requirement of pyproject.toml is pinned at a version it allows, with its extras' packages; nothing
is pinned "via stagecoach (pyproject.toml)" that pyproject.toml no longer asks for; both files agree.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
DEV = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["dev"]]

_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


class Lock:
    def __init__(self, name: str) -> None:
        self.name = name
        self.text = (ROOT / name).read_text()
        self.pins: dict[str, str] = {}
        self.hashed: set[str] = set()
        self.direct: set[str] = set()
        current = ""
        for line in self.text.splitlines():
            if match := _PIN.match(line):
                current = canonicalize_name(match.group(1))
                self.pins[current] = match.group(2)
            if "--hash=sha256:" in line:
                self.hashed.add(current)
            if "stagecoach (pyproject.toml)" in line:
                self.direct.add(current)

    def assert_satisfies(self, requirements: list[Requirement]) -> None:
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert name in self.pins, f"{self.name} does not pin {requirement}: run `make lock`"
            assert requirement.specifier.contains(self.pins[name], prereleases=True), (
                f"{self.name} pins {name}=={self.pins[name]}, outside pyproject.toml's {requirement}: run `make lock`"
            )
            for extra in requirement.extras:
                for needed in extra_requirements(requirement.name, extra):
                    assert canonicalize_name(needed.name) in self.pins, (
                        f"{self.name} lacks {needed.name}, needed by {requirement.name}[{extra}]: run `make lock`"
                    )


def extra_requirements(package: str, extra: str) -> list[Requirement]:
    """What ``package[extra]`` adds, read from the installed distribution's metadata."""
    found = []
    for line in metadata.requires(package) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and marker.evaluate({"extra": extra}) and not marker.evaluate({"extra": ""}):
            found.append(requirement)
    return found


@pytest.fixture(scope="module")
def runtime_lock() -> Lock:
    return Lock("requirements.lock")


@pytest.fixture(scope="module")
def dev_lock() -> Lock:
    return Lock("requirements-dev.lock")


def test_runtime_lock_pins_every_runtime_requirement(runtime_lock: Lock) -> None:
    runtime_lock.assert_satisfies(RUNTIME)


def test_runtime_lock_has_nothing_pyproject_dropped(runtime_lock: Lock) -> None:
    assert runtime_lock.direct == {canonicalize_name(r.name) for r in RUNTIME}


def test_dev_lock_pins_runtime_and_dev_requirements(dev_lock: Lock) -> None:
    dev_lock.assert_satisfies(RUNTIME + DEV)
    assert dev_lock.direct == {canonicalize_name(r.name) for r in RUNTIME + DEV}


def test_dev_lock_tests_exactly_the_runtime_pins(runtime_lock: Lock, dev_lock: Lock) -> None:
    # What CI tests (the dev lock) is what the image ships (the runtime lock), version for version.
    assert {name: dev_lock.pins.get(name) for name in runtime_lock.pins} == runtime_lock.pins


def test_every_pin_is_hashed(runtime_lock: Lock, dev_lock: Lock) -> None:
    for lock in (runtime_lock, dev_lock):
        assert set(lock.pins) == lock.hashed, f"{lock.name}: pins without --hash (pip --require-hashes refuses)"


def test_this_environment_was_installed_from_the_dev_lock(dev_lock: Lock) -> None:
    installed: dict[str, str] = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differ = {
        name: (pinned, installed.get(name)) for name, pinned in dev_lock.pins.items() if installed.get(name) != pinned
    }
    assert differ == {}, f"(locked, installed) differ: {differ}; run `make install`"


def test_the_makefile_and_image_install_from_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    # The venv is rebuilt whenever a lock changes.
    assert "$(VENV)/.installed: pyproject.toml requirements.lock requirements-dev.lock\n" in makefile
    assert "-r requirements.lock" in (ROOT / "Dockerfile").read_text()
