"""Text as the database can keep it, whatever a client sent.

PostgreSQL refuses a NUL byte in ``text`` and neither backend can encode a lone UTF-16 surrogate
(``"\\ud800"`` arrives through JSON payloads); either used to fail the whole request. Both are
invisible or meaningless to a reader, so they are dropped (NUL) or shown as U+FFFD (surrogate):
the rest of what the person typed is kept.
"""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without NUL bytes, lone surrogates replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))
