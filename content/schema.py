"""The shape of the career content, validated when it is loaded.

The YAML files beside this module hold the words; these models hold the rules the
bot relies on (five stages numbered 1..5, ownership that sums to 100 %, stable keys
for every exit criterion and growth tactic so brag entries can point at them).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
CriterionKey = Annotated[str, StringConstraints(pattern=r"^s[1-5]-[a-z0-9]+(?:-[a-z0-9]+)*$")]
TacticKey = Annotated[str, StringConstraints(pattern=r"^t-[a-z0-9]+(?:-[a-z0-9]+)*$")]
StageNumber = Annotated[int, Field(ge=1, le=5)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OwnershipArea(_Strict):
    percent: Annotated[int, Field(ge=0, le=100)]
    focus: Text


class Ownership(_Strict):
    architecture: OwnershipArea
    implementation: OwnershipArea
    delivery: OwnershipArea

    @model_validator(mode="after")
    def _sums_to_100(self) -> Ownership:
        total = self.architecture.percent + self.implementation.percent + self.delivery.percent
        if total != 100:
            raise ValueError(f"ownership percentages sum to {total}, not 100")
        return self

    def areas(self) -> list[tuple[str, OwnershipArea]]:
        return [
            ("Architecture", self.architecture),
            ("Implementation", self.implementation),
            ("Delivery", self.delivery),
        ]


class HeadedList(_Strict):
    heading: Text
    items: Annotated[list[Text], Field(min_length=1)]


class TimeHorizon(_Strict):
    period: Text
    focus: Text


class Mistake(_Strict):
    mistake: Text
    instead: Text


class ManagerInvolvement(_Strict):
    does: Annotated[list[Text], Field(min_length=1)]
    meetings: Annotated[list[Text], Field(min_length=1)]
    reviews: Annotated[list[Text], Field(min_length=1)]


class SuccessHabit(_Strict):
    habit: Text
    how: Text


class Criterion(_Strict):
    key: CriterionKey
    text: Text


class Stage(_Strict):
    number: StageNumber
    key: Slug
    name: Text
    summary: Text
    ownership: Ownership
    decides: Annotated[list[Text], Field(min_length=1)]
    proposes: Annotated[list[Text], Field(min_length=1)]
    learning: HeadedList
    metrics: HeadedList
    time_horizon: Annotated[list[TimeHorizon], Field(min_length=1)]
    examples: HeadedList
    mistakes: list[Mistake] = []
    """Empty only at Stage 5: the roadmap lists no mistakes for it."""
    manager: ManagerInvolvement | None = None
    """None only at Stage 5: "you now do what your manager did" (see ``learning``)."""
    success: Annotated[list[SuccessHabit], Field(min_length=1)]
    exit_criteria: Annotated[list[Criterion], Field(min_length=1)]
    operating_principles: list[Text] = []
    continuous_development: list[Text] = []
    continuous_development_closing: Text | None = None

    @model_validator(mode="after")
    def _criterion_keys_match_stage(self) -> Stage:
        if self.number < 5 and (not self.mistakes or self.manager is None):
            raise ValueError(f"stage {self.number} needs its mistakes and manager involvement")
        for criterion in self.exit_criteria:
            if not criterion.key.startswith(f"s{self.number}-"):
                raise ValueError(f"criterion {criterion.key!r} does not belong to stage {self.number}")
        return self

    @property
    def title(self) -> str:
        return f"Stage {self.number}: {self.name}"


class Principle(_Strict):
    key: Slug
    name: Text
    stage_1: Text
    stage_3: Text
    stage_5: Text


class Tactic(_Strict):
    key: TacticKey
    name: Text
    why: Text
    actions: Annotated[list[Text], Field(min_length=1)]
    tip: Text
    """One sentence the weekly prompt can rotate in."""
    best_from_stage: StageNumber
    """The earliest stage at which this tactic is the natural next habit."""


class Track(_Strict):
    key: Slug
    name: Text
    summary: Text
    levels: Annotated[list[Text], Field(min_length=2)]


class FeedbackQuestion(_Strict):
    key: Slug
    text: Text
    """May contain ``{next_stage}`` (e.g. "Stage 3: System Owner") and ``{stage}``."""


class AssessmentOption(_Strict):
    stage: StageNumber
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]


class AssessmentQuestion(_Strict):
    key: Slug
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
    options: Annotated[list[AssessmentOption], Field(min_length=5, max_length=5)]

    @model_validator(mode="after")
    def _one_option_per_stage(self) -> AssessmentQuestion:
        if sorted(option.stage for option in self.options) != [1, 2, 3, 4, 5]:
            raise ValueError(f"question {self.key!r} needs exactly one option for each stage 1..5")
        return self


class Roadmap(_Strict):
    purpose: Text
    ownership_not_title: Text
    stages: Annotated[list[Stage], Field(min_length=5, max_length=5)]
    principles: Annotated[list[Principle], Field(min_length=1)]
    for_engineers: Annotated[list[Text], Field(min_length=1)]
    for_managers: Annotated[list[Text], Field(min_length=1)]
    closing: Annotated[list[Text], Field(min_length=1)]

    @model_validator(mode="after")
    def _stages_in_order(self) -> Roadmap:
        if [stage.number for stage in self.stages] != [1, 2, 3, 4, 5]:
            raise ValueError("stages must be numbered 1..5, in order")
        return self


class TrackComparison(_Strict):
    aspect: Text
    ic: Text
    management: Text


class Growth(_Strict):
    overview: Text
    progression: Text
    tracks: Annotated[list[Track], Field(min_length=2, max_length=2)]
    track_comparison: Annotated[list[TrackComparison], Field(min_length=1)]
    management_transition: Annotated[list[Text], Field(min_length=1)]
    tactics_intro: Text
    tactics: Annotated[list[Tactic], Field(min_length=1)]
    feedback_questions: Annotated[list[FeedbackQuestion], Field(min_length=3)]
    closing: Annotated[list[Text], Field(min_length=1)]
    self_assessment: Annotated[list[AssessmentQuestion], Field(min_length=1, max_length=5)]


_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case, punctuation folded to single spaces: how stage names are matched."""
    return _NON_WORD.sub(" ", text.lower()).strip()


class Content(_Strict):
    roadmap: Roadmap
    growth: Growth

    @model_validator(mode="after")
    def _keys_unique(self) -> Content:
        keys = [c.key for s in self.roadmap.stages for c in s.exit_criteria]
        keys += [t.key for t in self.growth.tactics]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate evidence keys: {duplicates}")
        return self

    @property
    def stages(self) -> list[Stage]:
        return self.roadmap.stages

    @cached_property
    def evidence_order(self) -> dict[str, int]:
        """Each evidence key's place: stage 1's criteria first, growth tactics last. Built once: an export of
        10,000 wins sorts every entry's keys by it twice; rebuilt each time it was ~5% of that export."""
        keys = [c.key for s in self.stages for c in s.exit_criteria] + [t.key for t in self.growth.tactics]
        return {key: index for index, key in enumerate(keys)}

    def stage(self, number: int) -> Stage:
        if not 1 <= number <= 5:
            raise KeyError(number)
        return self.roadmap.stages[number - 1]

    def next_stage(self, number: int) -> Stage | None:
        return self.stage(number + 1) if number < 5 else None

    def find_stage(self, query: str) -> Stage | None:
        """A stage by number ("3"), name ("system owner") or unambiguous part of a name ("feature")."""
        wanted = normalise(query)
        if not wanted:
            return None
        if wanted.isdigit():
            number = int(wanted)
            return self.stage(number) if 1 <= number <= 5 else None
        if wanted.startswith("stage ") and wanted[6:].isdigit():
            return self.find_stage(wanted[6:])
        exact = [s for s in self.stages if normalise(s.name) == wanted or s.key == wanted.replace(" ", "-")]
        if exact:
            return exact[0]
        partial = [s for s in self.stages if wanted in normalise(s.name)]
        return partial[0] if len(partial) == 1 else None

    def criterion(self, key: str) -> Criterion | None:
        for stage in self.stages:
            for criterion in stage.exit_criteria:
                if criterion.key == key:
                    return criterion
        return None

    def tactic(self, key: str) -> Tactic | None:
        return next((t for t in self.growth.tactics if t.key == key), None)

    def evidence_label(self, key: str) -> str | None:
        """The human text for an evidence key: an exit criterion or a growth tactic."""
        criterion = self.criterion(key)
        if criterion is not None:
            return criterion.text
        tactic = self.tactic(key)
        return tactic.name if tactic is not None else None


# -- decide / propose / learn (growth_signals.yaml) ------------------------------------------------

SignalKey = Annotated[str, StringConstraints(pattern=r"^(decided|proposed|learned)$")]


class SignalRule(_Strict):
    key: SignalKey
    label: Text
    cues: Annotated[list[Text], Field(min_length=1)]


class SignalRules(_Strict):
    """The lexical rules that suggest whether a win is something the person decided, proposed or learned."""

    signals: Annotated[list[SignalRule], Field(min_length=3, max_length=3)]
    synonyms: dict[str, Text] = {}

    @model_validator(mode="after")
    def _one_rule_per_signal(self) -> SignalRules:
        if sorted(rule.key for rule in self.signals) != ["decided", "learned", "proposed"]:
            raise ValueError("growth signals must be exactly decided, proposed and learned")
        for rule in self.signals:
            for cue in rule.cues:
                if normalise(cue) != cue.lower():
                    raise ValueError(f"cue {cue!r} must be lower-case words separated by single spaces")
        return self

    def rule(self, key: str) -> SignalRule | None:
        return next((rule for rule in self.signals if rule.key == key), None)
