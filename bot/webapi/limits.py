"""Slack's Block Kit limits: what the Web API refuses past them (checked by ``bot/blocks/limits.py`` in tests).

Here, below the builders and the services, because both size things by them (a digest's pages are
counted by the planner before the builder renders them).
"""

from __future__ import annotations

MAX_MESSAGE_BLOCKS = 50
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
MAX_OPTION_GROUP_LABEL = 75
MAX_OVERFLOW_OPTIONS = 5
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
MAX_MESSAGE_TEXT = 3000
"""A message's fallback ``text`` as the builders cut it (Slack takes 40,000; a notification shows far less)."""
