"""The career content loads, validates, and still says everything the two seed documents say.

The coverage tests parse the seed texts (``shared/seeds`` beside the repository, or ``$STAGECOACH_SEEDS_DIR``)
and check the YAML against them item by item, so dropping or garbling an item in the YAML fails here.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from content.schema import Content, Stage, normalise

ROADMAP_SEED = "000_658ae535a8b45a4b.txt"
GROWTH_SEED = "001_fc8e8a7e2e3cf733.txt"

STAGE_NAMES = ["Task Executor", "Feature Owner", "System Owner", "Domain Owner", "Technical Executive"]
STAGE_KEYS = ["task-executor", "feature-owner", "system-owner", "domain-owner", "technical-executive"]

# Share of a seed item's significant words that a content item must contain to count as "the same item".
THRESHOLD = 0.8


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _seeds_dir() -> Path:
    configured = os.environ.get("STAGECOACH_SEEDS_DIR")
    if configured:
        return Path(configured)
    # CI clones the repository with ``shared/`` as a sibling of the repository root.
    return Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def _read_seed(name: str) -> str:
    path = _seeds_dir() / name
    if not path.is_file():
        reason = f"seed document {path} not found; set STAGECOACH_SEEDS_DIR to the directory holding {name}"
        if os.environ.get("STAGECOACH_REQUIRE_SEEDS"):
            # CI sets this: a run without the seeds must not pass green with the coverage tests skipped.
            pytest.fail(reason + " (STAGECOACH_REQUIRE_SEEDS is set)")
        pytest.skip(reason)
    return path.read_text(encoding="utf-8").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _numbers(text: str) -> set[str]:
    return {word for word in normalise(text).split() if any(char.isdigit() for char in word)}


def significant_words(text: str) -> set[str]:
    """Words of four letters or more, plus every number: what has to survive a light rephrasing."""
    return {_stem(word) for word in normalise(text).split() if len(word) >= 4} | _numbers(text)


def coverage(seed_text: str, content_text: str) -> float:
    """Share of the seed text's significant words found in the content text; 0 if any number was lost."""
    if not _numbers(seed_text) <= _numbers(content_text):
        return 0.0
    wanted = significant_words(seed_text)
    if not wanted:
        return 1.0
    return len(wanted & significant_words(content_text)) / len(wanted)


def unmatched(seed_items: list[str], content_items: list[str], threshold: float = THRESHOLD) -> list[str]:
    """Seed items that cannot each be paired with a *distinct* content item covering them."""
    candidates = [
        [j for j, text in enumerate(content_items) if coverage(item, text) >= threshold] for item in seed_items
    ]
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or place(owner[j], seen):
                owner[j] = i
                return True
        return False

    return [item for i, item in enumerate(seed_items) if not place(i, set())]


def assert_same_items(what: str, seed_items: list[str], content_items: list[str], threshold: float = THRESHOLD) -> None:
    assert len(content_items) == len(seed_items), (
        f"{what}: seed has {len(seed_items)} items, content has {len(content_items)}\n"
        f"seed: {seed_items}\ncontent: {content_items}"
    )
    missing = unmatched(seed_items, content_items, threshold)
    assert not missing, f"{what}: seed items not found in content: {missing}\ncontent: {content_items}"


def split_commas(text: str) -> list[str]:
    """Split a seed cell at commas, but not inside parentheses: 'Performance (latency, throughput)' is one item."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


# --------------------------------------------------------------------------------------------------------------
# Parsing the roadmap seed (its tables lost their column separators)
# --------------------------------------------------------------------------------------------------------------

# Row label in the seed -> field of Stage it becomes. Longest labels are tried first.
CATEGORY_LABELS = {
    "Ownership": "ownership",
    "You Decide": "decides",
    "You Propose": "proposes",
    "Learning from Senior/Lead": "learning",
    "You Now Do What Manager Does": "learning",
    "Metrics You Track": "metrics",
    "Metrics You Own": "metrics",
    "Time Horizon": "time_horizon",
    "Example Projects": "examples",
    "Example Responsibilities": "examples",
    "Avoid These Mistakes": "mistakes",
    "Manager Involvement": "manager",
    "How You Succeed": "success",
    "Exit Criteria": "exit_criteria",
    "Operating Principles": "operating_principles",
    "Continuous Development": "continuous_development",
}
ALL_ROWS = {
    "ownership",
    "decides",
    "proposes",
    "learning",
    "metrics",
    "time_horizon",
    "examples",
    "mistakes",
    "manager",
    "success",
    "exit_criteria",
}
STAGE_5_ROWS = (ALL_ROWS - {"mistakes", "manager", "exit_criteria"}) | {
    "operating_principles",
    "continuous_development",
}


@dataclass
class SeedStage:
    number: int
    name: str
    summary: str
    rows: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    after_table: list[str] = field(default_factory=list)


def parse_stages(text: str) -> list[SeedStage]:
    headings = list(re.finditer(r"^Stage (\d): (.+)$", text, re.MULTILINE))
    end_of_stages = text.index("Using This Roadmap")
    stages = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else end_of_stages
        lines = [line.strip() for line in text[heading.end() : end].splitlines()]
        content_lines = [line for line in lines if line]
        stage = SeedStage(number=int(heading.group(1)), name=heading.group(2).strip(), summary=content_lines[0])
        table_start = lines.index("CategoryDetails") + 1
        table_end = lines.index("", table_start)
        current = None
        for line in lines[table_start:table_end]:
            label = next((lab for lab in sorted(CATEGORY_LABELS, key=len, reverse=True) if line.startswith(lab)), None)
            if label is not None:
                current = CATEGORY_LABELS[label]
                stage.rows[current] = []
                stage.labels[current] = label
                line = line[len(label) :].strip()
            assert current is not None, f"stage {stage.number}: table line before any row label: {line!r}"
            stage.rows[current].append(line)
        stage.after_table = [line for line in lines[table_end:] if line]
        stages.append(stage)
    return stages


def parse_ownership(lines: list[str]) -> dict[str, tuple[int, str]]:
    areas = {}
    for line in lines:
        match = re.fullmatch(r"(Architecture|Implementation|Delivery) \((\d+)%\): (.+)", line)
        assert match, f"unexpected ownership line {line!r}"
        areas[match.group(1).lower()] = (int(match.group(2)), match.group(3))
    return areas


def parse_principles(text: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index("PrincipleStage 1Stage 3Stage 5") + 1
    end = lines.index("", start)
    # Cells were run together: a new cell starts where a capital letter follows a lower-case letter directly.
    return [re.split(r"(?<=[a-z'])(?=[A-Z])", line.strip()) for line in lines[start:end]]


def numbered_items(text: str, heading: str) -> list[str]:
    block = text[text.index(heading) + len(heading) :]
    items = []
    for line in block.splitlines()[1:]:
        match = re.match(r"\s*\d+\.\s+(.+)", line)
        if match:
            items.append(match.group(1).strip())
        elif line.strip():
            break
    return items


def paragraphs_after(text: str, heading: str) -> list[str]:
    block = text[text.index(heading) + len(heading) :]
    return [paragraph.strip() for paragraph in block.split("\n\n") if paragraph.strip()]


# --------------------------------------------------------------------------------------------------------------
# Parsing the growth seed
# --------------------------------------------------------------------------------------------------------------


def bullets_after(text: str, intro: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(intro)) + 1
    items = []
    for line in lines[start:]:
        if not line.startswith("- "):
            break
        items.append(line[2:].strip())
    return items


def tactic_sections(text: str) -> dict[str, list[str]]:
    """Each growth-tactic heading of the seed, with the lines under it (bullets keep their "- ")."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Here's how to make that growth intentional"))
    end = lines.index("Final Thoughts")
    sections: dict[str, list[str]] = {}
    current = ""
    for line in (line.strip() for line in lines[start + 1 : end]):
        if line and not line.startswith("- ") and not line.endswith((".", ":", "?", "!")):
            current = line
            sections[current] = []
        elif line:
            sections[current].append(line)
    return sections


def lines_between(text: str, first: str, last: str) -> str:
    """The seed's prose from the line starting with ``first`` up to (not including) the line starting with ``last``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(last))
    return " ".join(lines[start:end])


# --------------------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roadmap_seed() -> str:
    return _read_seed(ROADMAP_SEED)


@pytest.fixture(scope="module")
def growth_seed() -> str:
    return _read_seed(GROWTH_SEED)


@pytest.fixture(scope="module")
def seed_stages(roadmap_seed: str) -> list[SeedStage]:
    return parse_stages(roadmap_seed)


def _content_rows(stage: Stage) -> dict[str, list[str]]:
    """The content's items for each seed row, as text comparable with the seed lines."""
    return {
        "decides": list(stage.decides),
        "proposes": list(stage.proposes),
        "learning": list(stage.learning.items),
        "metrics": list(stage.metrics.items),
        "time_horizon": [f"{t.period}: {t.focus}" for t in stage.time_horizon],
        "examples": list(stage.examples.items),
        "mistakes": [f"{m.mistake} {m.instead}" for m in stage.mistakes],
        "success": [f"{s.habit}: {s.how}" for s in stage.success],
        "exit_criteria": [c.text for c in stage.exit_criteria],
        "operating_principles": list(stage.operating_principles),
        "continuous_development": list(stage.continuous_development),
    }


# --------------------------------------------------------------------------------------------------------------
# Structure, independent of the seeds
# --------------------------------------------------------------------------------------------------------------


def test_content_loads_and_validates(content: Content) -> None:
    assert isinstance(content, Content)
    assert [stage.number for stage in content.stages] == [1, 2, 3, 4, 5]
    assert [stage.name for stage in content.stages] == STAGE_NAMES
    assert [stage.key for stage in content.stages] == STAGE_KEYS
    assert content.stage(3).title == "Stage 3: System Owner"
    assert content.next_stage(4) is content.stage(5)
    assert content.next_stage(5) is None


EXPECTED_PERCENTAGES = {1: (5, 25, 70), 2: (20, 40, 40), 3: (40, 30, 30), 4: (50, 20, 30), 5: (40, 10, 50)}


@pytest.mark.parametrize(("number", "expected"), sorted(EXPECTED_PERCENTAGES.items()))
def test_ownership_percentages(content: Content, number: int, expected: tuple[int, int, int]) -> None:
    ownership = content.stage(number).ownership
    assert (ownership.architecture.percent, ownership.implementation.percent, ownership.delivery.percent) == expected


def test_stage_1_keeps_the_30_minute_rule(content: Content) -> None:
    # The bot's "stuck" timer quotes these words.
    stage = content.stage(1)
    assert any("30 minutes" in f"{m.mistake} {m.instead}" for m in stage.mistakes)
    assert any("30 minutes" in f"{s.habit} {s.how}" for s in stage.success)


def test_stage_1_estimate_criterion_keeps_20_percent(content: Content) -> None:
    criterion = content.criterion("s1-estimate-within-20-percent")
    assert criterion is not None and "20%" in criterion.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("4", 4),
        ("5", 5),
        ("feature owner", 2),
        ("FEATURE", 2),
        ("stage 3", 3),
        ("Stage 4", 4),
        ("exec", None),  # both "Task Executor" and "Technical Executive": ambiguous
        ("executive", 5),
        ("executor", 1),
        ("technical-executive", 5),
        ("9", None),
        ("0", None),
        ("", None),
        ("   ", None),
        ("owner", None),
        ("astronaut", None),
    ],
)
def test_find_stage(content: Content, query: str, expected: int | None) -> None:
    found = content.find_stage(query)
    assert (found.number if found is not None else None) == expected


def test_evidence_keys_unique_and_prefixed(content: Content) -> None:
    keys = [criterion.key for stage in content.stages for criterion in stage.exit_criteria]
    keys += [tactic.key for tactic in content.growth.tactics]
    assert len(keys) == len(set(keys))
    for stage in content.stages:
        assert stage.exit_criteria
        for criterion in stage.exit_criteria:
            assert re.fullmatch(rf"s{stage.number}-[a-z0-9]+(-[a-z0-9]+)*", criterion.key), criterion.key
            assert content.evidence_label(criterion.key) == criterion.text
    for tactic in content.growth.tactics:
        assert tactic.key.startswith("t-")
        assert content.evidence_label(tactic.key) == tactic.name


def test_stage_1_criterion_keys_are_stable(content: Content) -> None:
    # Brag entries already point at these keys; renaming one orphans them.
    assert [c.key for c in content.stage(1).exit_criteria] == [
        "s1-minimal-back-and-forth",
        "s1-prs-approved-quickly",
        "s1-debug-systematically",
        "s1-estimate-within-20-percent",
        "s1-navigate-codebase",
        "s1-help-onboard",
    ]


def test_headings(content: Content) -> None:
    for stage in content.stages:
        assert stage.learning.heading == (
            "What you now do that your manager did" if stage.number == 5 else "Learning from senior engineers and leads"
        )
        assert stage.metrics.heading == ("Metrics you track" if stage.number == 1 else "Metrics you own")
        assert stage.examples.heading == ("Example responsibilities" if stage.number == 5 else "Example projects")
    assert len(content.stage(5).operating_principles) == 5
    assert len(content.stage(5).continuous_development) == 4
    assert content.stage(5).continuous_development_closing


EXPECTED_TACTICS = {
    "t-make-work-legible": 2,
    "t-own-what-slows-others": 2,
    "t-mentor-proactively": 2,
    "t-cross-team-contributions": 3,
    "t-level-up-communication": 3,
    "t-document-what-youve-done": 1,
    "t-ask-for-feedback": 1,
}


def test_tactics(content: Content) -> None:
    assert {t.key: t.best_from_stage for t in content.growth.tactics} == EXPECTED_TACTICS
    for tactic in content.growth.tactics:
        assert tactic.actions and tactic.tip and tactic.why


def test_tracks(content: Content) -> None:
    assert [track.key for track in content.growth.tracks] == ["ic", "management"]
    assert [track.name for track in content.growth.tracks] == ["Individual contributor track", "Management track"]


def test_feedback_questions_render(content: Content) -> None:
    questions = content.growth.feedback_questions
    assert len(questions) >= 6
    assert len({q.key for q in questions}) == len(questions)
    for question in questions:
        fields = {name for _, name, _, _ in string.Formatter().parse(question.text) if name is not None}
        assert fields <= {"stage", "next_stage"}, question.text
        rendered = question.text.format(stage="Stage 2: Feature Owner", next_stage="Stage 3: System Owner")
        assert "{" not in rendered and "}" not in rendered
    texts = [q.text for q in questions]
    assert "What would I need to do to be considered {next_stage} here?" in texts
    assert "Is there something I should be owning that I'm not?" in texts
    assert "What am I doing today that looks like {next_stage} work, and what's missing?" in texts


def test_self_assessment(content: Content) -> None:
    questions = content.growth.self_assessment
    assert len(questions) == 3
    # Options identify a stage by what the person owns, never by a job title from the ladders.
    titles = {normalise(level.split("(")[0]) for track in content.growth.tracks for level in track.levels}
    titles |= {"junior", "mid level", "senior", "staff", "principal", "distinguished", "manager", "director"}
    assert len({q.key for q in questions}) == 3
    for question in questions:
        assert [option.stage for option in question.options] == [1, 2, 3, 4, 5]
        labels = [option.label for option in question.options]
        assert len(set(labels)) == 5
        for label in labels:
            assert not any(re.search(rf"\b{title}\b", normalise(label)) for title in titles), f"{label!r} names a title"


def test_management_transition_keeps_its_points(content: Content) -> None:
    text = normalise(" ".join(content.growth.management_transition))
    for phrase in [
        "invisible work",
        "full week without writing code",
        "defusing tension",
        "vague spec",
        "green checkmark",
        "five people moving",
        "write code every day",
    ]:
        assert phrase in text, phrase


# --------------------------------------------------------------------------------------------------------------
# Coverage of the roadmap seed
# --------------------------------------------------------------------------------------------------------------


def test_seed_parser_sees_every_row(seed_stages: list[SeedStage]) -> None:
    assert [s.number for s in seed_stages] == [1, 2, 3, 4, 5]
    for stage in seed_stages:
        assert set(stage.rows) == (STAGE_5_ROWS if stage.number == 5 else ALL_ROWS), stage.number


def test_seed_stage_headings_and_summaries(content: Content, seed_stages: list[SeedStage]) -> None:
    for seed in seed_stages:
        stage = content.stage(seed.number)
        assert stage.name == seed.name
        assert coverage(seed.summary, stage.summary) >= THRESHOLD, (seed.summary, stage.summary)


def test_seed_percentages(content: Content, roadmap_seed: str, seed_stages: list[SeedStage]) -> None:
    assert len(re.findall(r"(?:Architecture|Implementation|Delivery) \(\d+%\)", roadmap_seed)) == 15
    for seed in seed_stages:
        areas = parse_ownership(seed.rows["ownership"])
        ownership = content.stage(seed.number).ownership
        for name, (percent, focus) in areas.items():
            area = getattr(ownership, name)
            assert area.percent == percent, f"stage {seed.number} {name}"
            assert coverage(focus, area.focus) >= THRESHOLD, (focus, area.focus)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_seed_rows_covered(content: Content, seed_stages: list[SeedStage], number: int) -> None:
    seed = seed_stages[number - 1]
    stage = content.stage(number)
    ours = _content_rows(stage)
    for row, lines in seed.rows.items():
        if row in {"ownership", "manager"}:
            continue
        seed_items = split_commas(lines[0]) if row in {"decides", "proposes", "metrics"} else lines
        assert_same_items(f"stage {number} {row}", seed_items, ours[row])
    if "manager" in seed.rows:
        for line in seed.rows["manager"]:
            part, _, items = line.partition(": ")
            assert_same_items(
                f"stage {number} manager {part}", split_commas(items), getattr(stage.manager, part.lower())
            )
    label = seed.labels["metrics"]
    assert normalise(label).split()[-1] in normalise(stage.metrics.heading)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_seed_mistakes_and_habits_split(content: Content, seed_stages: list[SeedStage], number: int) -> None:
    seed = seed_stages[number - 1]
    stage = content.stage(number)
    for line, mistake in zip(seed.rows.get("mistakes", []), stage.mistakes, strict=False):
        seed_mistake, _, seed_instead = line.partition("\u2014")
        assert coverage(seed_mistake, mistake.mistake) >= THRESHOLD, (line, mistake)
        assert coverage(seed_instead, mistake.instead) >= THRESHOLD, (line, mistake)
    for line, habit in zip(seed.rows["success"], stage.success, strict=True):
        seed_habit, _, seed_how = line.partition(": ")
        assert coverage(seed_habit, habit.habit) >= THRESHOLD, (line, habit)
        assert coverage(seed_how, habit.how) >= THRESHOLD, (line, habit)
    for line, horizon in zip(seed.rows["time_horizon"], stage.time_horizon, strict=True):
        period, _, focus = line.partition(": ")
        assert horizon.period == period
        assert coverage(focus, horizon.focus) >= THRESHOLD, (line, horizon)


def test_seed_exit_criteria_each_present(content: Content, seed_stages: list[SeedStage]) -> None:
    for seed in seed_stages:
        if "exit_criteria" not in seed.rows:
            continue
        texts = [criterion.text for criterion in content.stage(seed.number).exit_criteria]
        assert_same_items(f"stage {seed.number} exit criteria", seed.rows["exit_criteria"], texts)


def test_stage_5_criteria_are_its_operating_principles(content: Content, seed_stages: list[SeedStage]) -> None:
    # The last stage has no exit criteria in the seed; its operating principles serve as its evidence keys.
    principles = [line.replace("\u2014", " ") for line in seed_stages[4].rows["operating_principles"]]
    assert_same_items("stage 5 criteria", principles, [c.text for c in content.stage(5).exit_criteria])


def test_seed_stage_5_closing(content: Content, seed_stages: list[SeedStage]) -> None:
    (closing,) = seed_stages[4].after_table
    assert coverage(closing, content.stage(5).continuous_development_closing or "") >= THRESHOLD


def test_seed_principles(content: Content, roadmap_seed: str) -> None:
    rows = parse_principles(roadmap_seed)
    assert len(rows) == 7
    assert all(len(row) == 4 for row in rows), rows
    assert [principle.name for principle in content.roadmap.principles] == [row[0] for row in rows]
    for row, principle in zip(rows, content.roadmap.principles, strict=True):
        for seed_text, ours in zip(row[1:], (principle.stage_1, principle.stage_3, principle.stage_5), strict=True):
            assert coverage(seed_text, ours) >= THRESHOLD, (seed_text, ours)


def test_seed_using_this_roadmap(content: Content, roadmap_seed: str) -> None:
    assert_same_items("for engineers", numbered_items(roadmap_seed, "For Engineers:"), content.roadmap.for_engineers)
    assert_same_items("for managers", numbered_items(roadmap_seed, "For Managers:"), content.roadmap.for_managers)


def test_seed_purpose_note_and_closing(content: Content, roadmap_seed: str) -> None:
    roadmap = content.roadmap
    purpose = paragraphs_after(roadmap_seed, "\nPurpose\n")[0]
    assert coverage(purpose, roadmap.purpose) >= THRESHOLD
    note = next(line for line in roadmap_seed.splitlines() if line.startswith("Important: "))
    assert coverage(note, roadmap.ownership_not_title) >= THRESHOLD
    final = paragraphs_after(roadmap_seed, "Final Note")
    final.append(next(line for line in roadmap_seed.splitlines() if line.startswith("Progression is based")))
    assert_same_items("closing", final, roadmap.closing)


# --------------------------------------------------------------------------------------------------------------
# Coverage of the growth seed
# --------------------------------------------------------------------------------------------------------------


def test_seed_ladders(content: Content, growth_seed: str) -> None:
    ic, management = content.growth.tracks
    assert ic.levels == bullets_after(growth_seed, "Here's the typical ladder on the Individual Contributor")
    assert management.levels == bullets_after(growth_seed, "And the Management Track runs in parallel")


def test_seed_feedback_questions(content: Content, growth_seed: str) -> None:
    seed_questions = bullets_after(growth_seed, 'Instead of vague "how am I doing?"')
    assert len(seed_questions) == 3
    # The seed's level ("Staff", "a next-level engineer") became a {next_stage} placeholder: allow for one word.
    missing = unmatched(seed_questions, [q.text for q in content.growth.feedback_questions], threshold=0.75)
    assert not missing, missing


# Actions per tactic: the seed's bullets, or the items of its inline list ("pay attention..., offer..., or leave...").
EXPECTED_ACTION_COUNTS = {
    "t-make-work-legible": 3,
    "t-own-what-slows-others": 4,
    "t-mentor-proactively": 3,
    "t-cross-team-contributions": 3,
    "t-level-up-communication": 3,
    "t-document-what-youve-done": 3,
    "t-ask-for-feedback": 3,
}


def test_seed_growth_tactics(content: Content, growth_seed: str) -> None:
    sections = tactic_sections(growth_seed)
    assert len(sections) == 7, list(sections)
    tactics = content.growth.tactics
    assert_same_items("growth tactics", list(sections), [t.name for t in tactics])
    assert {t.key: len(t.actions) for t in tactics} == EXPECTED_ACTION_COUNTS
    for heading, lines in sections.items():
        tactic = max(tactics, key=lambda t: coverage(heading, t.name))
        # Every bullet under the heading is one of its actions (rephrased as an instruction) ...
        bullets = [line[2:] for line in lines if line.startswith("- ")]
        missing = unmatched(bullets, list(tactic.actions), threshold=0.6)
        assert not missing, (heading, missing)
        # ... every action and the "why" come from the seed's section, and the section's prose is kept.
        section = " ".join(lines)
        for text in [*tactic.actions, tactic.why]:
            assert coverage(text, section) >= 0.6, (heading, text)
        prose = " ".join(line for line in lines if not line.startswith("- "))
        assert coverage(prose, f"{tactic.why} {' '.join(tactic.actions)}") >= 0.7, (heading, prose)


def test_seed_growth_prose(content: Content, growth_seed: str) -> None:
    growth = content.growth
    comparison = " ".join(f"{row.aspect}: {row.ic} / {row.management}" for row in growth.track_comparison)
    tracks = " ".join(track.summary for track in growth.tracks)
    checks = [
        ("overview", lines_between(growth_seed, "The career path", "Software Engineer Career"), growth.overview),
        (
            "progression",
            lines_between(growth_seed, "The software engineering career path", "Here's"),
            growth.progression,
        ),
        (
            "tracks",
            lines_between(growth_seed, "This is where", "Career Stages"),
            f"{growth.progression} {tracks} {comparison}",
        ),
        (
            "management transition",
            lines_between(growth_seed, "Not every senior engineer", "Career Growth Tactics"),
            f"{' '.join(growth.management_transition)} {comparison}",
        ),
        ("tactics intro", lines_between(growth_seed, "Once you hit", "Make Your Work Legible"), growth.tactics_intro),
    ]
    for what, seed_text, ours in checks:
        assert coverage(seed_text, ours) >= THRESHOLD, what
    closing = [line for line in paragraphs_after(growth_seed, "Final Thoughts")[0].splitlines() if line.strip()]
    assert_same_items("growth closing", closing, list(growth.closing))
