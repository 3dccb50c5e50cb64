"""The App Home tab: your stage, progress against its exit criteria, recent wins, settings, next step."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.audience import VISIBILITY_ICONS, mention
from bot.blocks.brag import SIGNAL_ICONS
from bot.blocks.growth_copy import one_line_prompt
from bot.blocks.home_growth import growth_blocks, has_shared, team_growth_blocks
from bot.blocks.kit import modal
from bot.blocks.text import (
    actions,
    bar,
    button,
    confirm_dialog,
    context,
    divider,
    escape,
    header,
    plain,
    quoted,
    section,
    sections,
    truncate,
)
from bot.db.models import Visibility
from bot.services.brag import EntrySummary
from bot.services.digest import ReportDigest, TeamDigest
from bot.services.home import RECENT_WINS, HomeSnapshot, NextStep
from bot.services.progress import StageProgress
from bot.services.settings import MemberSettings
from bot.webapi.limits import MAX_VIEW_BLOCKS
from content import Content

MAX_HOME_WINS = 20
"""A hard cap whatever the snapshot holds: each win takes two blocks of Home's 100."""
MAX_TEAM_LINES = 80
"""Reports listed on a manager's Home (a line each, packed into a few sections); the digest has all."""


def _stage_blocks(content: Content, settings: MemberSettings) -> list[dict[str, Any]]:
    if settings.stage is None:
        return [
            section(
                "*You haven't set your stage yet.* Stages describe what you own, not your title: "
                "set yours and I'll track your progress against its exit criteria here."
            ),
            actions(button("Find my stage", ids.STAGE_OPEN_ASSESSMENT, style="primary")),
        ]
    stage = content.stage(settings.stage)
    following = content.next_stage(stage.number)
    onward = f" · next: {following.title}" if following is not None else " · the last stage"
    return [section(f":round_pushpin: *{stage.title}*{onward}")]


def _progress_blocks(progress: StageProgress) -> list[dict[str, Any]]:
    """One progress view: one bar, each criterion once (two bars for one number read as two figures)."""
    total = progress.total
    done = progress.with_evidence
    lines = []
    for item in progress.criteria:
        if item.has_evidence:
            wins = f"{item.evidence_count} win" + ("" if item.evidence_count == 1 else "s")
            lines.append(f":white_check_mark: {item.criterion.text} _({wins})_")
        else:
            lines.append(f":white_circle: {item.criterion.text}")
    return sections(f"`{bar(done, total)}` *{done} of {total}* exit criteria have evidence", lines)


def _when(day: date, today: date) -> str:
    days = (day - today).days
    return "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"


def _next_up_blocks(snapshot: HomeSnapshot) -> list[dict[str, Any]]:
    """What leads Home: the review coming up, a rating waiting, the week's question, and one tap each."""
    lines: list[str] = []
    elements: list[dict[str, Any]] = []
    upcoming = snapshot.next_up
    if upcoming is not None and upcoming.review_date is not None:
        day = upcoming.review_date
        line = f":date: *Your review is on {day:%A %-d %B}* ({_when(day, upcoming.today)})."
        if upcoming.self_rating_due:
            line += " Rate yourself on your exit criteria before then; only you see it."
            elements.append(button("Rate my exit criteria", ids.RATING_OPEN_SELF, day.isoformat(), style="primary"))
        lines.append(line)
    for ask in (upcoming.rating_asks if upcoming is not None else [])[:MAX_RATING_ASKS]:
        name = escape(truncate(ask.report_name, 40))
        lines.append(f":memo: *{name}* asked you to rate their exit criteria before {ask.review_date:%A %-d %B}.")
        elements.append(
            button(f"Rate {truncate(ask.report_name, 30)}", ids.RATING_OPEN_MANAGER, str(ask.conversation_id))
        )
    if snapshot.settings.weekly_prompt_enabled or not lines:
        lines.append("*This week:* what did you do that's worth remembering? One line is enough.")
    primary = "primary" if not elements else None
    elements.append(button("Record a win", ids.WIN_OPEN_MODAL, style=primary))
    return [section("\n".join(lines)), actions(*elements)]


MAX_RATING_ASKS = 2
"""Rating asks shown at the top of a manager's Home (with a button each): the rest wait their turn."""


def _next_step_blocks(content: Content, progress: StageProgress, step: NextStep, has_wins: bool) -> dict[str, Any]:
    lines = ["*What to do next*"]
    if not has_wins:
        lines.append("• Start with one win: `/win` what you shipped, fixed or unblocked this week.")
    if step.criterion is not None:
        lines.append(
            f"• Find or create evidence for _{step.criterion.text}_, then record it with `/win` and tag the criterion."
        )
    else:
        following = content.next_stage(progress.stage.number)
        target = (
            f"the start of the case for *{following.title}*" if following is not None else "the record of your impact"
        )
        lines.append(
            f"• You have evidence for every exit criterion of {progress.stage.title}. "
            f"Take it to your manager: it is {target}. `/coach export` makes it a document."
        )
    if step.tactic is not None:
        lines.append(f"• :bulb: *{step.tactic.name}*: {step.tactic.tip}")
    return section("\n".join(lines))


def _link(url: str) -> str:
    # Escaped, and a "|" cannot end the URL early: the label is ours.
    return f"<{escape(url).replace('|', '%7C')}|link>"


def _date(entry: EntrySummary) -> str:
    # Slack shows the date in the viewer's own timezone; the fallback is the UTC date.
    stamp = int(entry.created_at.timestamp())
    return f"<!date^{stamp}^{{date_short}}|{entry.created_at.date().isoformat()}>"


VISIBILITY_SHORT = {
    Visibility.PRIVATE: "only you",
    Visibility.MANAGER: "you and your manager (DM)",
    Visibility.TEAM_CHANNEL: "your manager's team channel",
}


def entry_blocks(content: Content, entry: EntrySummary) -> list[dict[str, Any]]:
    """One win: what, why it mattered, evidence and who sees it; Edit and Delete (with a confirm)."""
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    who = VISIBILITY_SHORT.get(entry.visibility, "only you")
    facts = [f"*{_date(entry)}*", f"{icon} {who}"]
    if entry.link:
        facts.append(_link(entry.link))
    if entry.credited_user_id:
        facts.append(f"from {mention(entry.credited_user_id)}'s message")
    if entry.growth_signal in SIGNAL_ICONS:
        facts.append(f"{SIGNAL_ICONS[entry.growth_signal]} {entry.growth_signal}")
    parts = [" · ".join(facts), quoted(entry.what, 600)]
    if entry.impact:
        parts.append(f"_Why it mattered:_ {escape(truncate(entry.impact, 300))}")
    if entry.lesson:
        parts.append(f"_Next time:_ {escape(truncate(entry.lesson, 200))}")
    if entry.evidence_keys:
        labels = [truncate(content.evidence_label(key) or key, 60) for key in entry.evidence_keys]
        parts.append(":dart: " + "; ".join(labels))
    delete_confirm = confirm_dialog(
        "Delete this win?",
        f"“{escape(truncate(entry.what, 50))}” will be gone from your brag document for good.",
        "Delete",
    )
    return [
        section("\n".join(parts)),
        actions(
            button("Edit", ids.WIN_EDIT, str(entry.id)),
            button("Delete", ids.WIN_DELETE, str(entry.id), style="danger", confirm=delete_confirm),
        ),
    ]


def _pause_blocks(settings: MemberSettings, offer_github: bool = False) -> list[dict[str, Any]]:
    """Paused: say so, with Resume. Otherwise a date picker that pauses every nudge until the date. Beside
    Settings, "Connect GitHub" while GitHub is on here and the member has no account connected."""
    github = [button("Connect GitHub", ids.HOME_GITHUB_CONNECT)] if offer_github else []
    if settings.paused_until is not None:
        return [
            section(
                f":double_vertical_bar: *Nudges paused until {settings.paused_until:%A} "
                f"{settings.paused_until.isoformat()}.* No prompts, reminders or stuck follow-ups before then."
            ),
            actions(
                button("Resume now", ids.HOME_RESUME, style="primary"),
                button("Settings", ids.HOME_OPEN_SETTINGS),
                *github,
            ),
        ]
    picker = {"type": "datepicker", "action_id": ids.HOME_PAUSE_UNTIL, "placeholder": plain("Pause nudges until…")}
    return [actions(button("Settings", ids.HOME_OPEN_SETTINGS), *github, picker)]


def _team_row(report: ReportDigest) -> str:
    """One report in a line: stage, what they shared with her this week, one 1:1 topic."""
    line = f"• *{escape(truncate(report.name, 60))}* · " + (
        f"Stage {report.stage.number}" if report.stage else "no stage"
    )
    if report.progress is not None and report.progress.total:
        line += f" · {report.progress.with_evidence}/{report.progress.total} criteria"
    line += f" · {report.wins_total} shared this week" if report.wins_total else " · nothing this week"
    if report.may_be_ready:
        line += " · :seedling: may be ready"
    topic = one_line_prompt(report.progress, 0)
    if topic:
        line += f" · 1:1: {escape(truncate(topic, 90))}"
    return line


def _team_blocks(team: TeamDigest) -> list[dict[str, Any]]:
    """A row per report she may name (issue 10: never a name for silence), the rest a count; the same week
    and the same counting as her Monday digest; each report's months, readiness and her part in a modal."""
    shown = [r for r in team.reports if has_shared(r)]
    lines = [_team_row(report) for report in shown[:MAX_TEAM_LINES]]
    if len(shown) > MAX_TEAM_LINES:
        lines.append(f"_…and {len(shown) - MAX_TEAM_LINES} more in your weekly digest._")
    unnamed = len(team.reports) - len(shown)
    if unnamed:
        who = "1 more report hasn't" if unnamed == 1 else f"{unnamed} more reports haven't"
        lines.append(f"_{who} shared anything with you yet._")
    quiet = team.quiet_count
    summary = f"{len(team.reports) - quiet} of {len(team.reports)} shared something with you in the last 7 days."
    return [
        header("Your team"),
        *sections("", lines),
        context(summary),
        actions(button("Team details", ids.HOME_TEAM_DETAILS)),
    ]


def team_details_modal(team: TeamDigest | None) -> dict[str, Any]:
    """Each report's months, readiness, her part at their stage and a 1:1 prompt (Home's "Team details")."""
    blocks = team_growth_blocks(team) if team is not None else [section("Nobody has named you as their manager yet.")]
    return modal(ids.TEAM_DETAILS_MODAL, "Your team", blocks[:MAX_VIEW_BLOCKS], close="Done")


def _wins_paging_blocks(snapshot: HomeSnapshot, shown: int) -> list[dict[str, Any]]:
    """Where this page sits among all the member's wins, and Newer / Older to page through them."""
    first = snapshot.wins_page * RECENT_WINS + 1
    last = first + shown - 1
    buttons = []
    if snapshot.wins_page > 0:
        buttons.append(button("Newer", ids.HOME_WINS_PAGE, str(snapshot.wins_page - 1)))
    if last < snapshot.total_entries:
        buttons.append(button("Older", ids.HOME_WINS_PAGE, str(snapshot.wins_page + 1)))
    blocks: list[dict[str, Any]] = [
        context(
            f"Wins {first}–{last} of {snapshot.total_entries}, newest first. "
            "`/coach wins` finds them by period or words; `/coach export` has them all."
        )
    ]
    if buttons:
        blocks.append(actions(*buttons))
    return blocks


def home_view(content: Content, snapshot: HomeSnapshot) -> dict[str, Any]:
    """Home leads with what is next (a review, a rating, the week's question); a manager's then with her team,
    a row per report; then one progress view, readiness once there is history, recent wins; settings and
    pausing behind buttons at the foot."""
    settings = snapshot.settings
    blocks: list[dict[str, Any]] = [header("Your Stagecoach"), *_next_up_blocks(snapshot)]
    if snapshot.team is not None:
        blocks += _team_blocks(snapshot.team)
        blocks += [divider(), header("Your own growth")]
    else:
        blocks.append(divider())
    blocks += _stage_blocks(content, settings)
    if snapshot.progress is not None:
        blocks += _progress_blocks(snapshot.progress)
        if snapshot.next_step is not None:
            blocks.append(_next_step_blocks(content, snapshot.progress, snapshot.next_step, snapshot.total_entries > 0))
        blocks += growth_blocks(snapshot)
    blocks += [divider(), header("Recent wins" if snapshot.wins_page == 0 else "Your wins")]
    recent = snapshot.recent[:MAX_HOME_WINS]
    if not recent:
        blocks.append(
            section(
                "No wins yet. Record one with `/win shipped the thing`, or *Save as win* on a message "
                "(a thank-you counts). Wins are private unless you choose to share them."
            )
        )
    for entry in recent:
        blocks += entry_blocks(content, entry)
    if snapshot.total_entries > len(recent):
        blocks += _wins_paging_blocks(snapshot, len(recent))
    blocks += [
        divider(),
        *_pause_blocks(settings, snapshot.offer_github),
        context("`/win` record a win · `/stage` your stage · `/coach export` your brag doc · `/coach help` more"),
    ]
    return {"type": "home", "blocks": blocks}


def home_deleted_view() -> dict[str, Any]:
    """Home after delete-my-data: nothing of theirs left to show."""
    return {
        "type": "home",
        "blocks": [
            header("Your Stagecoach"),
            section(
                ":wastebasket: *Your data was deleted.* I hold nothing about you any more.\n"
                "If you use Stagecoach again (a command, a button, or opening this tab), it starts a fresh, "
                "empty profile."
            ),
        ],
    }
