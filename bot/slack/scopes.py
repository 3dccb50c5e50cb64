"""The bot's OAuth scopes: least privilege, each one for a reason (the manifest lists the same)."""

from __future__ import annotations

BOT_SCOPES: dict[str, str] = {
    "commands": "the five slash commands and the 'Save as win' shortcut",
    "chat:write": "DMs (weekly prompt, stuck nudge, review reminders) and manager digests in channels",
    "users:read": "each member's timezone and away status (vacation, out sick, OOO), so nudges arrive at "
    "their local time and wait while they are off",
    "channels:read": "the names of the public channels people mention in what they write to the bot "
    "(Slack sends `<#C123|>`), so wins say #launch and not an id; never their messages",
    "files:write": "delivering the brag-document export as a file in the user's DM",
    "im:write": "opening the DM the export file is shared into (once per export, never in a loop)",
    "im:history": "after a crash or a Slack 5xx mid-send, checking the DM for the nudge (by its metadata) "
    "before sending again, so nobody gets it twice; and the message.im events that carry what people write "
    "to the bot in its DM (saved as wins). No channel or group history scope: only DMs with the bot are read",
}
