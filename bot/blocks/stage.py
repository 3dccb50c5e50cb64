"""``/stage``: a stage at a glance, the principles table, the tracks, finding your stage."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.kit import fields, input_block, modal
from bot.blocks.text import (
    actions,
    bar,
    bullets,
    button,
    context,
    divider,
    escape,
    header,
    message,
    option,
    plain,
    section,
    section_message,
    sections,
    truncate,
)
from bot.services.progress import StageProgress
from bot.services.stages import StageQuery, StageQueryKind
from content import Content, Stage

OWNERSHIP_NOT_TITLE = "Stages describe what you own, not your title."


def _ownership_lines(stage: Stage) -> list[str]:
    return [
        f"`{name:<14}` {bar(area.percent, 100)} *{area.percent}%* · {area.focus}"
        for name, area in stage.ownership.areas()
    ]


def _ownership_line(stage: Stage) -> str:
    """``*Ownership:* Architecture *20%* · Implementation *40%* · Delivery *40%*``: the split in one line."""
    return "*Ownership:* " + " · ".join(f"{name} *{area.percent}%*" for name, area in stage.ownership.areas())


def _stage_actions(stage: Stage, is_mine: bool) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    if not is_mine:
        elements.append(button("Set as my stage", ids.STAGE_SET_MINE, str(stage.number), style="primary"))
    elements.append(button("Full guide", ids.STAGE_FULL_GUIDE, str(stage.number)))
    return actions(*elements)


def _exit_heading(content: Content, stage: Stage) -> str:
    following = content.next_stage(stage.number)
    return f"*Exit criteria* (to reach Stage {following.number})" if following else "*Exit criteria* (mastery)"


def stage_message(content: Content, stage: Stage, my_stage: int | None) -> dict[str, Any]:
    """One stage on one screen (about 600 characters): the ownership split, what you decide, the exit
    criteria, then [Set as my stage] [Full guide]. Habits, mistakes, learning, metrics and the manager's
    part (2,900 characters in 14 blocks when they were all here) live in the guide's modal."""
    is_mine = my_stage == stage.number
    subtitle = f"_{stage.summary}_" + ("  ·  your stage" if is_mine else "")
    blocks: list[dict[str, Any]] = [
        header(stage.title),
        context(subtitle),
        section(_ownership_line(stage) + "\n*You decide:* " + "; ".join(d[:1].lower() + d[1:] for d in stage.decides)),
        *sections(_exit_heading(content, stage), [f"• {c.text}" for c in stage.exit_criteria]),
        _stage_actions(stage, is_mine),
    ]
    return message(f"{stage.title}: {stage.summary}", blocks)


def _guide_navigation(content: Content, stage: Stage) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    if stage.number > 1:
        previous = content.stage(stage.number - 1)
        elements.append(button(f"← {previous.title}", ids.STAGE_FULL_GUIDE, str(previous.number)))
    following = content.next_stage(stage.number)
    if following is not None:
        elements.append(button(f"Next: {following.title} →", ids.STAGE_FULL_GUIDE, str(following.number)))
    return [actions(*elements)] if elements else []


def stage_guide_blocks(content: Content, stage: Stage) -> list[dict[str, Any]]:
    """Everything the roadmap says about a stage, for the guide's modal (a modal holds 100 blocks)."""
    blocks: list[dict[str, Any]] = [context(f"_{stage.summary}_")]
    blocks += sections("*Ownership*", [f"• {name} *{a.percent}%*: {a.focus}" for name, a in stage.ownership.areas()])
    blocks.append(fields("*You decide*\n" + bullets(stage.decides), "*You propose*\n" + bullets(stage.proposes)))
    blocks += sections(_exit_heading(content, stage), [f"• {c.text}" for c in stage.exit_criteria])
    blocks += sections("*How you succeed*", [f"• *{h.habit}*: {h.how}" for h in stage.success])
    if stage.mistakes:
        blocks += sections("*Avoid these mistakes*", [f"• {m.mistake} → {m.instead}" for m in stage.mistakes])
    blocks.append(divider())
    blocks += sections(f"*{stage.learning.heading}*", [f"• {item}" for item in stage.learning.items])
    blocks.append(
        fields(
            f"*{stage.metrics.heading}*\n" + bullets(stage.metrics.items),
            "*Time horizon*\n" + bullets(f"{h.period}: {h.focus}" for h in stage.time_horizon),
        )
    )
    blocks += sections(f"*{stage.examples.heading}*", [f"• {item}" for item in stage.examples.items])
    if stage.manager is not None:
        manager = stage.manager
        blocks += sections(
            "*Your manager's involvement*",
            [
                f"• *Does:* {', '.join(manager.does)}",
                f"• *Meetings:* {', '.join(manager.meetings)}",
                f"• *Reviews:* {', '.join(manager.reviews)}",
            ],
        )
    if stage.operating_principles:
        blocks += sections("*Operating principles*", [f"• {p}" for p in stage.operating_principles])
    if stage.continuous_development:
        closing = [f"_{stage.continuous_development_closing}_"] if stage.continuous_development_closing else []
        blocks += sections("*Continuous development*", [f"• {p}" for p in stage.continuous_development] + closing)
    blocks.append(context(f"{OWNERSHIP_NOT_TITLE} `/stage principles` · `/stage tracks` · `/stage 1` to `/stage 5`"))
    return blocks + _guide_navigation(content, stage)


def stage_guide_modal(content: Content, stage: Stage) -> dict[str, Any]:
    return modal(ids.STAGE_GUIDE_MODAL, f"Stage {stage.number} guide", stage_guide_blocks(content, stage), close="Done")


def own_stage_message(content: Content, progress: StageProgress) -> dict[str, Any]:
    """Bare ``/stage`` with a stage set: where the person stands on their own exit criteria, and what next."""
    stage = progress.stage
    done, total = progress.with_evidence, progress.total
    lines = [
        f"{':white_check_mark:' if c.has_evidence else ':white_circle:'} {c.criterion.text}" for c in progress.criteria
    ]
    following = content.next_stage(stage.number)
    towards = f" towards {following.title}" if following else ""
    blocks: list[dict[str, Any]] = [
        header(stage.title),
        section(f"*{done} of {total}* exit criteria have evidence{towards}.\n" + "\n".join(lines)),
    ]
    opened = progress.open_criteria
    if opened:
        blocks.append(context(f"Next: a win that shows “{opened[0].text}”. Save it with `/win`."))
    blocks.append(actions(button("Full guide", ids.STAGE_FULL_GUIDE, str(stage.number))))
    return message(f"{stage.title}: {done} of {total} exit criteria have evidence", blocks)


PRINCIPLE_COLUMNS = {1: 1, 2: 3, 3: 3, 4: 5, 5: 5}
"""The roadmap states each principle at Stages 1, 3 and 5: a Stage 2 engineer reads the Stage 3 form (where
they are heading), a Stage 4 one the Stage 5 form."""


def principles_message(content: Content, my_stage: int | None = None) -> dict[str, Any]:
    """The seven principles at the person's stage (or Stage 1 before they set one), one line each (about
    600 characters; the table of all three stages was 1,500 in 10 blocks), and [All stages]."""
    column = PRINCIPLE_COLUMNS.get(my_stage or 1, 1)
    lines = []
    for principle in content.roadmap.principles:
        form = {1: principle.stage_1, 3: principle.stage_3, 5: principle.stage_5}[column]
        lines.append(f"• *{principle.name}*: {form}")
    blocks: list[dict[str, Any]] = [
        header(f"Core principles at Stage {column}"),
        *sections("", lines),
        actions(button("All stages", ids.STAGE_PRINCIPLES_GUIDE)),
    ]
    return message(f"Core principles at Stage {column}", blocks)


def principles_modal(content: Content) -> dict[str, Any]:
    """How each principle grows from Stage 1 to Stage 3 to Stage 5."""
    blocks: list[dict[str, Any]] = [context("How each principle grows from Stage 1 to Stage 3 to Stage 5.")]
    for principle in content.roadmap.principles:
        blocks.append(
            section(
                f"*{principle.name}*\n"
                f"• *Stage 1:* {principle.stage_1}\n"
                f"• *Stage 3:* {principle.stage_3}\n"
                f"• *Stage 5:* {principle.stage_5}"
            )
        )
    blocks.append(context(OWNERSHIP_NOT_TITLE))
    return modal(ids.STAGE_GUIDE_MODAL, "Core principles", blocks, close="Done")


def tracks_message(content: Content) -> dict[str, Any]:
    """The two ladders side by side (about 600 characters); how they differ and moving into management
    (2,800 more characters) are one click away in the full tracks modal."""
    growth = content.growth
    blocks: list[dict[str, Any]] = [
        header("Career tracks: IC and management"),
        fields(*(f"*{track.name}*\n" + bullets(track.levels) for track in growth.tracks)),
        context(f"{OWNERSHIP_NOT_TITLE} A title can map to different stages at different companies."),
        actions(button("How the tracks differ", ids.STAGE_TRACKS_GUIDE)),
    ]
    return message("Career tracks: IC and management", blocks)


def tracks_modal(content: Content) -> dict[str, Any]:
    growth = content.growth
    blocks: list[dict[str, Any]] = [section(growth.progression)]
    blocks += sections(
        "*How the tracks differ*",
        [f"• *{row.aspect}*: IC: {row.ic} · Management: {row.management}" for row in growth.track_comparison],
    )
    blocks += sections(
        "*Moving into management: what actually changes*", [f"• {p}" for p in growth.management_transition]
    )
    return modal(ids.STAGE_GUIDE_MODAL, "Career tracks", blocks, close="Done")


def _stage_picker(content: Content) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": ids.STAGE_SHOW,
        "placeholder": plain("Look at a stage"),
        "options": [option(s.title, str(s.number)) for s in content.stages],
    }


def stage_list_lines(content: Content) -> list[str]:
    return [f"• *{s.number}. {s.name}*: {s.summary}" for s in content.stages]


def find_your_stage_message(content: Content) -> dict[str, Any]:
    """Bare ``/stage`` with no stage set: a way to find it."""
    blocks: list[dict[str, Any]] = [
        section(
            "*You haven't set your stage yet.*\n"
            f"{OWNERSHIP_NOT_TITLE} Answer three quick questions and I'll suggest one, or pick it yourself."
        ),
        *sections("", stage_list_lines(content)),
        actions(button("Find my stage (1 minute)", ids.STAGE_OPEN_ASSESSMENT, style="primary"), _stage_picker(content)),
    ]
    return message("You haven't set your stage yet: find it in a minute.", blocks)


def stage_usage_message(content: Content, unknown: str | None = None) -> dict[str, Any]:
    """What ``/stage`` understands; with ``unknown``, says kindly that this text was not one of them."""
    usage = (
        "• `/stage` — your own stage (or find it)\n"
        "• `/stage 1` … `/stage 5` — a stage by number\n"
        "• `/stage feature owner` — a stage by name (part of a name works too)\n"
        "• `/stage principles` — the core principles across stages\n"
        "• `/stage tracks` — the IC and management ladders"
    )
    if unknown is None:
        intro, fallback = "*Stage guidance*, here's what works:", "Stage guidance: /stage 1 to /stage 5."
    else:
        shown = escape(truncate(unknown, 60))
        intro = f"I don't know a stage called “{shown}”. Here's what works:"
        fallback = f"I don't know a stage called “{shown}”. Try /stage 1 to /stage 5."
    blocks: list[dict[str, Any]] = [
        section(f"{intro}\n{usage}"),
        *sections("*The five stages*", stage_list_lines(content)),
        actions(_stage_picker(content)),
    ]
    return message(fallback, blocks)


def stage_saved_note(stage: Stage) -> str:
    return f":white_check_mark: *{stage.title}* is your stage: its exit criteria are now your goals."


def stage_saved_message(stage: Stage) -> dict[str, Any]:
    """The answer to "Set as my stage": one line, then the next useful thing (see where you stand, or a win)."""
    return message(
        f"{stage.title} is your stage now.",
        [
            section(stage_saved_note(stage)),
            actions(
                button("See my progress", ids.STAGE_SHOW_MINE, str(stage.number), style="primary"),
                button("Record a win", ids.WIN_OPEN_MODAL),
            ),
        ],
    )


def assessment_modal(content: Content) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [context(f"{OWNERSHIP_NOT_TITLE} Pick what's true most weeks.")]
    for question in content.growth.self_assessment:
        element = {
            "type": "radio_buttons",
            "action_id": ids.ASSESSMENT_ANSWER,
            "options": [option(o.label, str(o.stage)) for o in question.options],
        }
        blocks.append(input_block(f"{ids.ASSESSMENT_BLOCK_PREFIX}{question.key}", question.prompt, element))
    return modal(ids.ASSESSMENT_MODAL, "Find your stage", blocks, submit="Suggest my stage", close="Cancel")


def assessment_result_view(content: Content, stage: Stage, spread: int) -> dict[str, Any]:
    straddle = (
        "\n_Your answers span several stages: that's common when work is in transition. "
        "Look at the neighbouring stages too._"
        if spread >= 2
        else ""
    )
    blocks: list[dict[str, Any]] = [
        section(f"From what you own, you look like *{stage.title}*.\n_{stage.summary}_{straddle}"),
        *sections("*Ownership*", _ownership_lines(stage)),
        *sections("*Exit criteria to work on*", [f"• {c.text}" for c in stage.exit_criteria]),
        actions(button(f"Set {stage.title} as my stage", ids.STAGE_SET_MINE, str(stage.number), style="primary")),
        context(f"{OWNERSHIP_NOT_TITLE} You can change it any time with `/stage`."),
    ]
    return modal(ids.ASSESSMENT_MODAL, "Your stage", blocks, close="Done")


def stage_saved_view(stage: Stage) -> dict[str, Any]:
    blocks = [
        section(stage_saved_note(stage)),
        context("See it any time with `/stage`; your App Home tracks progress against its exit criteria."),
    ]
    return modal(ids.ASSESSMENT_MODAL, "Your stage", blocks, close="Done")


def render_stage_query(
    content: Content, query: StageQuery, my_stage: int | None, progress: StageProgress | None = None
) -> dict[str, Any]:
    """The reply to a parsed ``/stage`` request (``progress``: the person's own, for a bare ``/stage``)."""
    if query.kind is StageQueryKind.OWN:
        if progress is not None:
            return own_stage_message(content, progress)
        if my_stage is None:
            return find_your_stage_message(content)
        return stage_message(content, content.stage(my_stage), my_stage)
    if query.kind is StageQueryKind.STAGE and query.stage is not None:
        return stage_message(content, query.stage, my_stage)
    if query.kind is StageQueryKind.PRINCIPLES:
        return principles_message(content, my_stage)
    if query.kind is StageQueryKind.TRACKS:
        return tracks_message(content)
    if query.kind is StageQueryKind.HELP:
        return stage_usage_message(content)
    return stage_usage_message(content, unknown=query.text)


def pick_a_stage_message() -> dict[str, Any]:
    """The answer to a cleared stage menu (Slack sends ``"selected_option": null``)."""
    text = "Pick a stage from 1 to 5 in the menu (or try `/stage 2`); nothing was changed."
    return section_message(text)
