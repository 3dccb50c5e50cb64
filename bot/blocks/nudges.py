"""Nudge messages and the help-request modal: the weekly wins prompt, the stuck timer, asking for help.

Pure functions from data to Block Kit. Everything a person typed goes through ``escape``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.kit import input_block, modal, text_input
from bot.blocks.text import actions, button, context, escape, message, plain, section, section_message, truncate
from bot.services.gaps import Gap
from bot.services.prompts import PromptAnswer, PromptAnswered
from bot.services.stuck import WinOffer
from content import Criterion, Tactic

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_WHAT_SHOWN = 300
HELP_FIELD_MAX = 1500
HELP_GOAL_MAX = 500
SETTINGS_HINT = "`/coach settings`"


def schedule_text(weekday: int, minute: int) -> str:
    """``Fridays at 16:00``."""
    return f"{WEEKDAYS[weekday % 7]}s at {minute // 60:02d}:{minute % 60:02d}"


def slack_time(at: datetime, fallback_format: str = "%H:%M UTC") -> str:
    """A time Slack shows in the reader's own timezone (``<!date^…^{time}|…>``)."""
    return f"<!date^{int(at.timestamp())}^{{time}}|{at.strftime(fallback_format)}>"


def slack_date(at: datetime) -> str:
    """A date Slack shows in the reader's own timezone."""
    return f"<!date^{int(at.timestamp())}^{{date_short}}|{at.date().isoformat()}>"


def _quote(text: str, limit: int = MAX_WHAT_SHOWN) -> str:
    return escape(truncate(" ".join(text.split()), limit))


# -- weekly wins prompt ------------------------------------------------------------------------


def weekly_prompt_message(
    *,
    delivery_id: int,
    stage_title: str | None,
    open_criteria: list[Criterion],
    tip: Tactic,
    wins_this_week: int,
    weekday: int,
    minute: int,
    snoozed: bool = False,
    gap: Gap | None = None,
) -> dict[str, Any]:
    value = str(delivery_id)
    opener = "Here's the reminder you asked for." if snoozed else "It's time for your weekly wins check-in."
    if wins_this_week:
        noun = "win" if wins_this_week == 1 else "wins"
        progress = f" You've saved {wins_this_week} {noun} in the last 7 days; anything else worth keeping?"
    else:
        progress = " What did you do this week that's worth remembering at review time? One line is enough."
    blocks: list[dict[str, Any]] = [
        section(f":memo: *{opener}*{progress}"),
        section(f":bulb: *Tip: {tip.name}*\n{tip.tip}"),
    ]
    if stage_title is None:
        blocks.append(section("Set your stage with `/stage` and I'll point your wins at its exit criteria."))
    elif gap is not None:
        blocks.append(_gap_section(stage_title, gap))
    elif open_criteria:
        lines = "\n".join(f"• {criterion.text}" for criterion in open_criteria)
        blocks.append(section(f"*No evidence yet for these {stage_title} exit criteria:*\n{lines}"))
    else:
        blocks.append(section(f":white_check_mark: Every {stage_title} exit criterion has evidence. Keep it up."))
    blocks.append(
        actions(
            button("Record a win", ids.PROMPT_RECORD_WIN, value, style="primary"),
            button("Nothing this week", ids.PROMPT_NOTHING_THIS_WEEK, value),
            button("Later today", ids.PROMPT_SNOOZE_LATER_TODAY, value),
            button("Next week", ids.PROMPT_SNOOZE_NEXT_WEEK, value),
        )
    )
    blocks.append(
        context(
            "Reply in this thread with what you did (one line, or a bullet per win) and I'll save it. "
            f"I ask {schedule_text(weekday, minute)}, your time. Change it in {SETTINGS_HINT}."
        )
    )
    return message("Weekly wins check-in: what did you do this week that's worth remembering?", blocks)


def _gap_section(stage_title: str, gap: Gap) -> dict[str, Any]:
    """The one exit criterion to aim at this week, and a concrete question about it."""
    if gap.evidence_count == 0:
        status = "no evidence yet"
    elif gap.latest is not None:
        status = f"your latest evidence is from {slack_date(gap.latest)}"
    else:
        status = f"{gap.evidence_count} win{'s' if gap.evidence_count != 1 else ''} so far"
    return section(
        f":dart: *This week's gap in {stage_title}: {gap.criterion.text}* ({status})\n{escape(gap.question)}"
    )


def prompt_checkin_message(*, delivery_id: int) -> dict[str, Any]:
    """The nag ceiling's one gentle question after two weekly prompts went unanswered."""
    value = str(delivery_id)
    text = (
        ":wave: *Still want these weekly check-ins?* The last two went unanswered, which is fine: "
        "I'll stop asking unless you tell me otherwise, or you can turn them off for good here."
    )
    blocks: list[dict[str, Any]] = [
        section(text),
        actions(
            button("Yes, keep them", ids.PROMPT_CHECKIN_KEEP, value, style="primary"),
            button("Stop weekly prompts", ids.PROMPT_CHECKIN_STOP, value),
        ),
        context(f"Pause every nudge for a while with `/coach pause until 2027-01-05`, or in {SETTINGS_HINT}."),
    ]
    return message("Still want these weekly check-ins?", blocks)


def prompt_checkin_kept_message(weekday: int) -> dict[str, Any]:
    text = f":thumbsup: Great, I'll keep asking on {WEEKDAYS[weekday % 7]}s."
    return section_message(text)


def prompt_checkin_stopped_message() -> dict[str, Any]:
    text = ":zipper_mouth_face: Done: no more weekly prompts. Turn them back on any time with `/coach settings`."
    return section_message(text)


def welcome_back_block() -> dict[str, Any]:
    """Opens the first weekly prompt after time off or a pause (one prompt, not one per missed week)."""
    return section(":wave: *Welcome back!* I held the weekly check-ins while you were away.")


def prompt_nothing_message(weekday: int) -> dict[str, Any]:
    text = f":ok_hand: Noted: nothing this week. Quiet weeks happen; I'll ask again next {WEEKDAYS[weekday % 7]}."
    return section_message(text)


def prompt_later_message(at: datetime) -> dict[str, Any]:
    text = f":alarm_clock: OK, I'll ask again at {slack_time(at)}."
    return message(f"OK, I'll ask again at {at:%H:%M} UTC.", [section(text)])


def prompt_next_week_message(weekday: int) -> dict[str, Any]:
    text = f":calendar: Skipping this week. See you next {WEEKDAYS[weekday % 7]}."
    return section_message(text)


def prompt_answered_message(answered: PromptAnswered) -> dict[str, Any]:
    """What the weekly prompt (or its check-in) becomes once a button answered it."""
    if answered.answer is PromptAnswer.NOTHING_THIS_WEEK:
        return prompt_nothing_message(answered.weekday)
    if answered.answer is PromptAnswer.SNOOZED_LATER_TODAY:
        assert answered.snoozed_until is not None
        return prompt_later_message(answered.snoozed_until)
    if answered.answer is PromptAnswer.SNOOZED_NEXT_WEEK:
        return prompt_next_week_message(answered.weekday)
    if answered.answer is PromptAnswer.CHECKIN_KEEP:
        return prompt_checkin_kept_message(answered.weekday)
    return prompt_checkin_stopped_message()


# -- stuck -------------------------------------------------------------------------------------


def _stuck_on(what: str | None) -> str:
    return f" on *{_quote(what)}*" if what else ""


def stuck_started_message(
    *, session_id: int, what: str | None, due_at: datetime, minutes: int, nudges_on: bool, restarted: bool
) -> dict[str, Any]:
    value = str(session_id)
    first = ":stopwatch: Restarted your stuck timer" if restarted else ":stopwatch: Stuck timer started"
    if nudges_on:
        lines = [
            f"{first}{_stuck_on(what)}. If you're still stuck at {slack_time(due_at)} ({minutes} min), I'll DM you."
        ]
    else:
        lines = [
            f"{first}{_stuck_on(what)}.",
            f"Heads-up: stuck nudges are off in your settings, so I won't DM you in {minutes} minutes. "
            f"Turn them back on in {SETTINGS_HINT}.",
        ]
    lines.append("Meanwhile, note what you've tried: it turns into a clear question if you need one.")
    blocks = [
        section("\n".join(lines)),
        actions(
            button("I'm unblocked", ids.STUCK_UNBLOCKED, value, style="primary"),
            button("Ask for help now", ids.STUCK_DRAFT_HELP, value),
        ),
        context("`/stuck done` when you're through."),
    ]
    return message(f"Stuck timer started: I'll check in after {minutes} minutes.", blocks)


def stuck_note(stage: int | None) -> str:
    """Why asking now is right, in the words of the person's stage: the Stage 1 habit is Stage 1's."""
    if stage is None or stage == 1:
        return "30 minutes stuck = time to ask. Asking early is a Stage 1 habit, not a weakness."
    return "A clear question now costs the team minutes; guessing alone costs you hours."


def stuck_nudge_message(
    *, session_id: int, what: str | None, minutes_stuck: int, stage: int | None = None
) -> dict[str, Any]:
    value = str(session_id)
    blocks = [
        section(
            f":raising_hand: You've been stuck{_stuck_on(what)} for {minutes_stuck} minutes. "
            "*Time to ask for help:* a clear question now saves hours of guessing."
        ),
        actions(
            button("I'm unblocked", ids.STUCK_UNBLOCKED, value, style="primary"),
            button("Give me 15 more minutes", ids.STUCK_MORE_TIME, value),
            button("Draft a help request", ids.STUCK_DRAFT_HELP, value),
        ),
        context(stuck_note(stage)),
    ]
    return message(f"Still stuck after {minutes_stuck} minutes? Time to ask for help.", blocks)


def stuck_extended_message(due_at: datetime) -> dict[str, Any]:
    text = f":hourglass_flowing_sand: OK, 15 more minutes. I'll check back at {slack_time(due_at)}."
    return message("OK, 15 more minutes.", [section(text)])


def win_offer_blocks(offer: WinOffer | None) -> list[dict[str, Any]]:
    """Asking early, offered as a private win: nothing is saved unless the person taps "Save as a win"."""
    if offer is None:
        return []
    text = f":trophy: That's worth a win. Save it to your private brag document?\n>{escape(offer.what)}"
    if offer.criterion_text is not None:
        text += f"\nIt looks like evidence for “{escape(offer.criterion_text)}”; you confirm that on the win."
    value = str(offer.session_id)
    return [
        section(text),
        actions(
            button("Save as a win", ids.STUCK_SAVE_WIN, value, style="primary"),
            button("No thanks", ids.STUCK_NO_WIN, value),
        ),
    ]


def stuck_resolved_message(*, minutes: int, offer: WinOffer | None = None) -> dict[str, Any]:
    text = f":tada: Glad you're unblocked (after {minutes} min)."
    return message(f"Glad you're unblocked (after {minutes} min).", [section(text), *win_offer_blocks(offer)])


def stuck_win_declined_message() -> dict[str, Any]:
    text = ":ok_hand: OK, nothing saved."
    return message("OK, nothing saved.", [section(text)])


def stuck_win_unavailable_message() -> dict[str, Any]:
    text = "That win is already saved (see my *Home* tab), or this stuck timer earned none."
    return message("That win is already saved, or there is none to save.", [section(text)])


def stuck_closed_message() -> dict[str, Any]:
    text = "That stuck timer is already closed. Start a new one with `/stuck what you're stuck on`."
    return section_message(text)


def stuck_none_message() -> dict[str, Any]:
    text = "No stuck timer is running. Start one with `/stuck what you're stuck on`."
    return section_message(text)


def stuck_usage_message(minutes: int) -> dict[str, Any]:
    text = (
        "*The stuck timer*, for the Stage 1 habit: 30 minutes stuck = time to ask.\n"
        f"• `/stuck what you're stuck on` starts it; after {minutes} minutes I DM you\n"
        "• `/stuck done` closes it\n"
        "From the DM you can ask for 15 more minutes or draft a clear help request for a channel."
    )
    return message("The stuck timer: /stuck [what] starts it, /stuck done closes it.", [section(text)])


def not_yours_message() -> dict[str, Any]:
    text = "Those buttons belong to someone else's message, so nothing was changed."
    return section_message(text)


# -- asking for help ---------------------------------------------------------------------------


def help_request_modal(*, session_id: int, tried: str | None) -> dict[str, Any]:
    goal = text_input(
        ids.HELP_INPUT, HELP_GOAL_MAX, placeholder="e.g. get the payments integration test passing locally"
    )
    tried_element = text_input(
        ids.HELP_INPUT,
        HELP_FIELD_MAX,
        initial=tried,
        multiline=True,
        placeholder="Docs read, commands run, error messages, what you ruled out",
    )
    channel = {
        "type": "conversations_select",
        "action_id": ids.HELP_INPUT,
        "default_to_current_conversation": False,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": plain("Pick your team's channel"),
    }
    return modal(
        ids.HELP_REQUEST_MODAL,
        "Ask for help",
        [
            context("A good ask says what you're after, what you tried and where you're stuck. I'll post it for you."),
            input_block(ids.HELP_GOAL_BLOCK, "What are you trying to do?", goal),
            input_block(ids.HELP_TRIED_BLOCK, "What have you tried?", tried_element),
            input_block(
                ids.HELP_CHANNEL_BLOCK,
                "Where should I post it?",
                channel,
                hint="I can only post in channels I'm in: /invite @Stagecoach there first.",
            ),
        ],
        submit="Post",
        close="Cancel",
        private_metadata=json.dumps({"session": session_id}),
    )


def help_request_post(*, user_id: str, goal: str, tried: str, minutes_stuck: int) -> dict[str, Any]:
    """The ask as it appears in the channel: posted by the bot, clearly on the person's behalf."""
    blocks = [
        section(f":raising_hand: <@{user_id}> is asking for help:"),
        section(f"*Trying to:* {_quote(goal, HELP_GOAL_MAX)}"),
        section(f"*Tried so far:*\n{_quote_lines(tried)}"),
        context(f"Stuck for about {minutes_stuck} min · reply in a thread to help · posted via Stagecoach"),
    ]
    return message(f"<@{user_id}> is asking for help: {_quote(goal, 200)}", blocks)


def _quote_lines(text: str) -> str:
    lines = [line.strip() for line in truncate(text, HELP_FIELD_MAX).splitlines() if line.strip()]
    return "\n".join(f"> {escape(line)}" for line in lines) or ">"


def help_posted_message(*, channel_id: str, offer: WinOffer | None = None) -> dict[str, Any]:
    text = f":white_check_mark: Posted your help request in <#{channel_id}>. Watch the thread for answers."
    return message("Posted your help request.", [section(text), *win_offer_blocks(offer)])
