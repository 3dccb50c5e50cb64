"""A member's export run in a process of its own, and the most memory it took:
``python -m tests.support.export_peak DATABASE_URL MEMBER_ID NOW FOLDER`` prints one JSON line.

Why not tracemalloc in the test's own process: tracing every allocation took an export of 10,000 full-size
wins from 2.8 s to 7.8 s of CPU. Linux resets a process's peak resident size on request (``5`` written to
``/proc/self/clear_refs``), so here the peak is how far the resident size rose above where it stood when the
export began: no tracing cost, and the database driver's C buffers count too (tracemalloc saw Python's
allocations only). Only a fresh process gives that figure: the test's own holds memory earlier tests freed,
which an export would reuse without the resident size rising. Without ``/proc`` (macOS), tracemalloc.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path


def _status_bytes(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024  # "VmHWM:   123456 kB"
    raise OSError(f"no {field} in /proc/self/status")


def start_measuring() -> tuple[str, Callable[[], int]]:
    """How the peak is measured, and a call giving the peak growth since now in bytes."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")  # the peak resident size (VmHWM) starts again from the resident size now
        before = _status_bytes("VmRSS")
        return "peak resident size", lambda: _status_bytes("VmHWM") - before
    except OSError:
        tracemalloc.start()
        return "tracemalloc", lambda: tracemalloc.get_traced_memory()[1]


def main(argv: list[str]) -> None:
    database_url, member_id, now, folder = argv
    from sqlalchemy import text

    from bot.db.engine import Database
    from bot.services import export
    from content import load_content

    content = load_content()
    db = Database.from_url(database_url)
    with db.transaction() as session:
        session.execute(text("select 1"))  # connected before measuring: the connection is not the export's
    measured_by, peak = start_measuring()
    files = export.export_files(db, content, int(member_id), datetime.fromisoformat(now), Path(folder))
    print(
        json.dumps(
            {
                "entries": files.entries,
                "peak": peak(),
                "measured_by": measured_by,
                "markdown": str(files.markdown),
                "document": str(files.document),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
