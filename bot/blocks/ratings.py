"""The review conversation in Slack: the rating ask, the rating modal, the manager's invitation, the agenda,
and the note a manager gets when a report's stage changes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.audience import mention
from bot.blocks.growth_copy import involvement_changes
from bot.blocks.kit import input_block, modal
from bot.blocks.manager import mute_actions
from bot.blocks.text import actions, button, context, divider, escape, header, message, option, plain, section, truncate
from bot.db.models import Rater, RatingLevel
from bot.services.involvement import involvement_summary
from bot.services.ratings import LEVEL_LABELS, Agenda, RatingForm, SavedRatings
from bot.webapi.limits import MAX_MESSAGE_BLOCKS
from content import Stage

MAX_AGENDA_WIN_CHARS = 200


def _day(value: date) -> str:
    return f"{value:%A %-d %B}"


def encode_rating_metadata(conversation_id: int, rater: Rater) -> str:
    return json.dumps({"conversation": conversation_id, "rater": rater})


def decode_rating_metadata(raw: str | None) -> tuple[int, Rater] | None:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    conversation, rater = data.get("conversation"), data.get("rater")
    if not isinstance(conversation, int) or isinstance(conversation, bool) or rater not in tuple(Rater):
        return None
    return conversation, Rater(rater)


def rating_modal(form: RatingForm) -> dict[str, Any]:
    """One radio group per exit criterion; the self form may invite the manager. No wins, no other ratings."""
    options = [option(LEVEL_LABELS[level].capitalize(), str(level.value)) for level in RatingLevel]
    if form.rater == Rater.SELF:
        intro = f"*{escape(form.stage_title)}*: how consistently do you meet each exit criterion? Only you see this."
    else:
        intro = (
            f"*{escape(truncate(form.report_name, 80))}* invited you to rate {escape(form.stage_title)}'s exit "
            f"criteria before their review on {_day(form.review_date)}. You see the criteria only; they see your "
            "ratings only where the two of you are two levels apart."
        )
    blocks: list[dict[str, Any]] = [section(intro)]
    for criterion in form.criteria:
        element: dict[str, Any] = {"type": "radio_buttons", "action_id": ids.RATING_INPUT, "options": options}
        current = form.current.get(criterion.key)
        if current is not None:
            element["initial_option"] = options[current]
        blocks.append(input_block(ids.RATING_BLOCK_PREFIX + criterion.key, criterion.text, element))
    if form.rater == Rater.SELF and form.manager_user_id and not form.already_invited:
        invite = {
            "text": {"type": "mrkdwn", "text": f"Invite {mention(form.manager_user_id)} to rate these"},
            "description": plain("They see the criteria only: never your ratings or your wins."),
            "value": "invite",
        }
        checkbox = {"type": "checkboxes", "action_id": ids.RATING_INPUT, "options": [invite]}
        blocks.append(input_block(ids.RATING_INVITE_BLOCK, "Your manager", checkbox, optional=True))
    elif form.rater == Rater.SELF and form.already_invited:
        blocks.append(context("Your manager is invited to rate the same criteria."))
    return modal(
        ids.RATING_MODAL,
        "Rate exit criteria",
        blocks,
        submit="Save",
        close="Cancel",
        private_metadata=encode_rating_metadata(form.conversation_id, form.rater),
    )


def rating_saved_view(saved: SavedRatings) -> dict[str, Any]:
    if saved.rater == Rater.SELF:
        lines = ["*Saved.* Your ratings are yours: nobody else sees them."]
        if saved.newly_invited and saved.invited_manager_id:
            lines.append(
                f"I've asked {mention(saved.invited_manager_id)} to rate the same criteria. Where you are two levels "
                "apart, you'll both get a private agenda for your 1:1."
            )
        if saved.invite_held and saved.invite_muted:
            lines.append(
                f"I haven't invited {mention(saved.invite_held)}: they asked me not to message them about you."
            )
        elif saved.invite_held and saved.invite_limit:
            lines.append(
                f"I haven't invited {mention(saved.invite_held)}: you've had me invite {saved.invite_limit} people "
                "today, the most I send for one person in a day. Tick the box again tomorrow."
            )
        elif saved.invite_held:
            lines.append(
                f"I haven't invited {mention(saved.invite_held)} this time: you already invited them today, and I "
                "send one invitation a day at most. Tick the box again tomorrow to invite them to this one."
            )
    else:
        lines = [
            "*Saved.* Where your rating and theirs are two levels apart, you'll both get a private agenda for the 1:1."
        ]
    return modal(ids.RATING_MODAL, "Ratings saved", [section("\n".join(lines))], close="Done")


def manager_invite_message(
    conversation_id: int, report_user_id: str, stage: Stage, review_date: date
) -> dict[str, Any]:
    """The invited manager's ask: the criteria are in the modal; no ratings and no wins are in here."""
    text = (
        f"{mention(report_user_id)} invited you to rate their exit criteria before their review on {_day(review_date)}."
    )
    return message(
        text,
        [
            section(
                f"{text}\nThey are at *{stage.title}* ({len(stage.exit_criteria)} criteria). Rate each *not yet*, "
                "*sometimes* or *consistently*. Where the two of you are two levels apart, you both get a private "
                "agenda for your 1:1."
            ),
            actions(button("Rate their criteria", ids.RATING_OPEN_MANAGER, str(conversation_id), style="primary")),
            mute_actions(report_user_id),
        ],
    )


def agenda_message(agenda: Agenda, reader: str) -> dict[str, Any]:
    """The private 1:1 agenda: criteria two levels apart, both ratings, and the evidence this reader may see."""
    if reader == Rater.SELF:
        title = f"Agenda for your review on {_day(agenda.review_date)}"
        other = f"{mention(agenda.manager_user_id)}"
        note = "Your wins for each criterion are listed beside it (only you see this copy)."
    else:
        title = f"Agenda for {mention(agenda.report_user_id)}'s review on {_day(agenda.review_date)}"
        other = "they"
        note = "Beside each criterion: only the wins they chose to share with you."
    blocks: list[dict[str, Any]] = [
        header("Your 1:1 agenda"),
        section(
            f"*{title}*\nYou and {other if reader == Rater.SELF else 'your report'} rated these {agenda.stage_title} "
            "criteria two levels apart. Worth talking through, with examples."
        ),
        context(note),
        divider(),
    ]
    for item in agenda.items[:20]:
        own = LEVEL_LABELS[RatingLevel(item.self_level)]
        theirs = LEVEL_LABELS[RatingLevel(item.manager_level)]
        ratings = (
            f"you: *{own}* · your manager: *{theirs}*" if reader == Rater.SELF else f"they: *{own}* · you: *{theirs}*"
        )
        lines = [f"*{escape(item.criterion.text)}*", ratings]
        if item.evidence:
            lines += [f"• {escape(truncate(win, MAX_AGENDA_WIN_CHARS))}" for win in item.evidence]
        else:
            lines.append("_No wins for this criterion yet" + (" that they shared._" if reader != Rater.SELF else "._"))
        blocks.append(section("\n".join(lines)))
    return message(title, blocks[:MAX_MESSAGE_BLOCKS])


def stage_changed_message(report_user_id: str, before: Stage, after: Stage) -> dict[str, Any]:
    """What changes for the manager when a report's stage changes."""
    text = f"{mention(report_user_id)} set their stage to {after.title} (was {before.title})."
    changes = involvement_changes(before, after)
    now = involvement_summary(after)
    lines = [f":arrows_counterclockwise: {text}", "*What changes for you*"]
    lines += [f"• {change}" for change in changes] or ["• Nothing in the roadmap's manager involvement."]
    if now:
        lines.append(f"_At {after.title}:_ {now}")
    return message(text, [section("\n".join(lines)), mute_actions(report_user_id)])
