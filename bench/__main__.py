"""``python -m bench``: every benchmark, each printing its figures against a same-run baseline."""

from __future__ import annotations

import sys

from bench import digest_build, evidence_suggest, github_find, load_http, status_refresh, weekly_prompt_fanout


def main() -> int:
    for name, run in (
        ("weekly prompt fan-out", weekly_prompt_fanout.main),
        ("digest build", digest_build.main),
        ("HTTP load", load_http.main),
        ("suggested evidence", evidence_suggest.main),
        ("status refresh", status_refresh.main),
        ("found on GitHub", github_find.main),
    ):
        print(f"== {name}", flush=True)
        run([])  # each prints its own figures; a failure raises
    return 0


if __name__ == "__main__":
    sys.exit(main())
