"""Moves this process's wall clock by ``STAGECOACH_TEST_CLOCK_SHIFT_DAYS`` days, for CI's shifted run.

On the ``PYTHONPATH`` of a test run (``make test-shifted``), Python imports this module at start-up in
every process the run starts (pytest, its xdist workers, ``python -m bot`` subprocesses), so they all
agree on the shifted wall clock. time-machine moves ``time.time``, ``datetime.now`` and friends and keeps
ticking (``tick=True``); ``time.monotonic``, ``time.perf_counter`` and sleeps stay real, so timeouts and
latency checks are unchanged. (Debian's libfaketime is no option: under it Python 3.11's ``time.sleep``
fails with EINVAL, or timed waits hang.) A test that mixes a fixed date with the wall clock fails here on
any day, not only on the day its dates stop agreeing with today.

Unset or 0: nothing happens, and time-machine is not even imported.
"""

from __future__ import annotations

import os

_DAYS = os.environ.get("STAGECOACH_TEST_CLOCK_SHIFT_DAYS", "").strip()

if _DAYS not in {"", "0"}:
    from datetime import UTC, datetime, timedelta

    import time_machine

    _SHIFTED = time_machine.travel(datetime.now(UTC) + timedelta(days=int(_DAYS)), tick=True)
    _SHIFTED.start()
