"""Slack's answers to a send, sorted by what they mean for the ledger row."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

# The recipient cannot receive from us: fail the row, stop nudging a user recipient.
RECIPIENT_ERRORS = frozenset(
    [
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "messages_tab_disabled",
        "restricted_action",
        "team_access_not_granted",
    ]
)
# The token is the problem (``account_inactive``: the bot or workspace is gone): nothing for this workspace
# can go out now. Its rows go back to ``due`` for an hour; the tick moves on.
WORKSPACE_ERRORS = frozenset(
    [
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "no_permission",
        "org_login_required",
        "ekm_access_denied",
    ]
)
# Our message is wrong: retrying cannot help; log loudly, fail the row, keep the member.
MESSAGE_ERRORS = frozenset(
    [
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
    ]
)


def slack_error(exc: SlackApiError) -> tuple[int, str]:
    """(HTTP status, Slack's ``error``) of a refused call."""
    response = exc.response
    data = getattr(response, "data", None)
    return int(getattr(response, "status_code", 0) or 0), str(data.get("error") or "") if isinstance(data, dict) else ""


def retry_after_seconds(headers: Any, default: float = 1.0) -> float:
    for key, value in dict(headers or {}).items():
        if str(key).lower() == "retry-after":
            try:
                return max(0.0, float(value[0] if isinstance(value, list | tuple) else value))
            except (TypeError, ValueError):
                return default
    return default
