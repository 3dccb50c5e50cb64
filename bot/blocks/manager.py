"""``/coach manager`` and ``/coach digest``: the consent-based manager link and the digest channel."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.kit import overflow
from bot.blocks.text import actions, button, confirm_dialog, context, message, option, section, section_message
from bot.webapi.limits import MAX_OVERFLOW_OPTIONS


def manager_status_message(manager_user_id: str | None) -> dict[str, Any]:
    if manager_user_id is None:
        return message(
            "You haven't named a manager.",
            [
                section(
                    "You haven't named a manager. `/coach manager @someone` links them: they then see the wins you "
                    "choose to share (never your private ones), in their weekly digest and their App Home."
                )
            ],
        )
    return manager_linked_message(manager_user_id, changed=False)


def _made_private(count: int, previous: str) -> str:
    wins = "1 win" if count == 1 else f"{count} wins"
    return (
        f" The {wins} you had shared with <@{previous}> (or their channel) are private now: a share never moves "
        "to someone else. Share any of them again from App Home."
    )


def manager_linked_message(
    manager_user_id: str,
    changed: bool,
    previous: str | None = None,
    digest_channel_id: str | None = None,
    made_private: int = 0,
) -> dict[str, Any]:
    first = f"<@{manager_user_id}> is your manager here" + (" now." if changed else ".")
    if previous:
        first += f" <@{previous}> no longer sees anything of yours."
        if made_private:
            first += _made_private(made_private, previous)
    where = (
        f"\nTheir team digest goes to <#{digest_channel_id}>: only wins you share with that channel appear there, "
        "and everyone in it can read them."
        if digest_channel_id
        else ""
    )
    return message(
        first,
        [
            section(
                f"{first}\nThey see only the wins you share with them (choose *me and <@{manager_user_id}>* when you "
                "save one: it reaches them in a Monday DM, never a channel; or make it your default in "
                f"`/coach settings`). Private wins stay yours.{where}"
            ),
            actions(
                button(
                    "Remove this link",
                    ids.MANAGER_UNLINK,
                    manager_user_id,
                    confirm=confirm_dialog(
                        "Remove your manager?",
                        "They will stop seeing your shared wins in digests and App Home.",
                        "Remove",
                    ),
                )
            ),
        ],
    )


def manager_unlinked_message(previous: str | None, made_private: int = 0) -> dict[str, Any]:
    text = (
        f"Done: <@{previous}> is no longer linked and sees nothing of yours from now on."
        + (_made_private(made_private, previous) if made_private else "")
        if previous
        else "You had no manager linked."
    )
    return section_message(text)


MAX_MUTE_BUTTONS = 4
"""Reports listed in a coalesced notice with a mute button each; more get overflow menus (a card offers at
most 4 buttons, ``tests/support/surfaces.py``)."""


def manager_named_message(report_user_ids: list[str], names: dict[str, str | None] | None = None) -> dict[str, Any]:
    """The one DM a manager gets for everyone who named them on a day (issues 22 and 24: a manager of eight
    got eight DMs in a day), with a way to stop messages about each of them. ``names``: display names for the
    overflow menu's plain-text options, where a mention would show raw."""
    listed = ", ".join(f"<@{user}>" for user in report_user_ids)
    if len(report_user_ids) == 1:
        text = f"{listed} named you as their manager in Stagecoach."
    else:
        text = f"{len(report_user_ids)} people named you as their manager in Stagecoach: {listed}."
    blocks = [
        section(
            f"{text} The wins they choose to share with you (never their private ones) reach you on "
            "Mondays and on my Home tab."
        ),
        context("Review exit criteria in 1:1s, and recognise growth when it shows: that's what the roadmap asks."),
    ]
    if len(report_user_ids) <= MAX_MUTE_BUTTONS:
        blocks.extend(mute_actions(user) for user in report_user_ids)
    else:
        for start in range(0, len(report_user_ids), MAX_OVERFLOW_OPTIONS):
            chunk = report_user_ids[start : start + MAX_OVERFLOW_OPTIONS]
            # Option text is plain (a mention would show raw): the display name, else the bare user id.
            options = [option(f"Don't message me about {(names or {}).get(user) or user}", user) for user in chunk]
            blocks.append(actions(overflow(ids.NOTICE_MUTE, options)))
    return message(text, blocks)


def mute_actions(about_user_id: str) -> dict[str, Any]:
    """Under a message the bot sent because of someone else: the recipient can stop such messages."""
    return actions(
        button(
            "Don't message me about them",
            ids.NOTICE_MUTE,
            about_user_id,
            confirm=confirm_dialog(
                "Stop these messages?",
                f"I won't message you again because of what <@{about_user_id}> does here (naming you as their "
                "manager, inviting you to rate, digest changes). They'll be told if they try.",
                "Stop them",
            ),
        )
    )


def notice_muted_message(about_user_id: str, newly: bool) -> dict[str, Any]:
    text = (
        f"Done: I won't message you again because of what <@{about_user_id}> does here."
        if newly
        else f"You had already stopped messages about <@{about_user_id}>."
    )
    return section_message(text)


def manager_usage_message(problem: str) -> dict[str, Any]:
    text = f"{problem} Use `/coach manager @someone`, or `/coach manager remove`."
    return section_message(text)


def digest_status_message(channel_id: str | None, reports: int) -> dict[str, Any]:
    people = f"{reports} report{'s' if reports != 1 else ''} named you as their manager"
    if channel_id is None:
        text = f"{people}. `/coach digest #channel` posts your team's digest there every Monday at 09:00."
    else:
        text = f"{people}. Your digest goes to <#{channel_id}> every Monday at 09:00 (`/coach digest off` stops it)."
    return section_message(text)


def digest_set_message(channel_id: str, reports: int) -> dict[str, Any]:
    text = f"Your team digest will be posted in <#{channel_id}> every Monday at 09:00, your time."
    extra = (
        "\nNobody has named you as their manager yet: ask your reports to run `/coach manager @you`."
        if reports == 0
        else f"\nI've told your {reports} report{'s' if reports != 1 else ''} by DM: only wins they share with "
        "the team channel appear there; what they share with you alone stays in your Monday DM."
    )
    return message(text, [section(text + extra)])


def digest_channel_announcement(manager_user_id: str) -> dict[str, Any]:
    """Posted once in the chosen channel: it proves the bot can post there, and tells the channel why."""
    text = (
        f"<@{manager_user_id}> set up Stagecoach's weekly team digest here: every Monday, the wins their reports "
        "chose to share with this channel, with progress and 1:1 ideas. Private wins, and wins shared with "
        "their manager alone, never appear here."
    )
    return section_message(text)


def digest_cannot_post_message(channel_id: str) -> dict[str, Any]:
    text = (
        f"I can't post in <#{channel_id}> yet. Invite me there with `/invite @Stagecoach`, "
        "then run `/coach digest` again (or pick another channel)."
    )
    return section_message(text)


def digest_off_message() -> dict[str, Any]:
    text = "Your weekly team digest is off. `/coach digest #channel` turns it back on."
    return section_message(text)


def digest_usage_message() -> dict[str, Any]:
    text = "Pick a channel from the list: `/coach digest #channel`, or `/coach digest off`."
    return section_message(text)


def digest_channel_notice(
    manager_user_id: str, channel_id: str | None, previous_channel_id: str | None
) -> dict[str, Any]:
    """The DM every report of a manager gets when the manager sets, changes or stops the digest channel."""
    if channel_id is None:
        text = (
            f"<@{manager_user_id}> turned off their team digest channel"
            + (f" (<#{previous_channel_id}>)" if previous_channel_id else "")
            + ". Nothing of yours is posted in a channel now; wins you shared with the team channel reach "
            f"only <@{manager_user_id}>, in their weekly DM."
        )
    else:
        moved = f", instead of <#{previous_channel_id}>" if previous_channel_id else ""
        text = (
            f"<@{manager_user_id}>'s team digest now goes to <#{channel_id}>{moved}. Every Monday it shows the wins "
            f"you shared with *the team channel*, with your progress on your stage's exit criteria; everyone in "
            f"<#{channel_id}> can read it.\n"
            f"Wins you shared with <@{manager_user_id}> alone stay in their DM and never appear there; "
            "private wins stay yours. You choose for each win when you save or edit it."
        )
    return message(text, [section(text), mute_actions(manager_user_id)])


def manager_notice_queued_message(manager_user_id: str) -> dict[str, Any]:
    """The actor's answer when their manager will hear in tomorrow's one message (issue 22)."""
    text = f"I'll let <@{manager_user_id}> know tomorrow morning, in one message with anyone else who names them today."
    return message(text, [context(text)])


def notice_held_message(
    recipient: str, *, channel: bool = False, muted: bool = False, limit: int = 0
) -> dict[str, Any]:
    """The actor's answer when the bot keeps back a message to someone else (issue 24): ``muted`` when the
    recipient asked for none about them, ``limit`` when they already had the bot message that many people
    today, else the one-a-day limit per recipient."""
    where = f"<#{recipient}>" if channel else f"<@{recipient}>"
    if muted:
        text = f"{where} asked me not to message them about you, so I haven't told them."
    elif limit:
        text = (
            f"I haven't told {where}: I've already messaged {limit} people about this for you today, the most I "
            "send for one person in a day. I can tell them tomorrow if you name them again."
        )
    else:
        text = (
            f"I've already messaged {where} about this today, so I haven't sent another: "
            "one such message a day at most, so nobody is flooded with them."
        )
    return message(text, [context(f":mute: {text}")])


def reports_held_message(held: int, muted: int = 0) -> dict[str, Any]:
    def reports(count: int) -> str:
        return "1 report" if count == 1 else f"{count} reports"

    parts = []
    if held:
        parts.append(
            f"I've already told {reports(held)} about a digest change today, so they won't hear about this one."
        )
    if muted:
        parts.append(f"{reports(muted)} asked me not to message them about you, so I haven't told them.")
    text = " ".join(parts)
    return message(text, [context(f":mute: {text}")])
