"""Slack's Block Kit limits: what the Web API refuses past them (checked by ``bot/blocks/limits.py`` in tests).

Here, below the builders and the services, because both size things by them (a digest's pages are
counted by the planner before the builder renders them).
"""

from __future__ import annotations

MAX_MESSAGE_BLOCKS = 50
MAX_MESSAGE_BLOCK_TEXT = 12_000
"""About this many characters of text in one message's blocks; past it, ``msg_blocks_too_long``."""
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_ID = 255
MAX_INPUT_LABEL = 2000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
