"""The rubric schema: what a ``rubrics/<question-id>.yaml`` file may contain.

Every model forbids unknown keys, so a typo in an instructor's file fails loudly with its field
instead of being ignored. Checks that span several fields (points add up, ids unique, ``select``
satisfiable) live in :mod:`grader.rubrics.checks`, so each problem can name its own field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
# Every number a rubric holds is bounded: a hundredth of a point is the finest step anyone
# grades in, and a step of 1e-309 made every answer's rounding overflow (a 500 per answer).
MIN_POINTS = 0.01


def _not_a_truth_value(value: object) -> object:
    """`points: true` is a mistake to name, not a 1 to guess (a number written as text, "2",
    stays a number: rubrics that said so load as they always did)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {str(value).lower()}")
    return value


Number = BeforeValidator(_not_a_truth_value)
Points = Annotated[float, Number, Field(ge=MIN_POINTS, le=1000, allow_inf_nan=False)]
# What one rubric may hold: every text is embedded when the rubric is saved, so these bound
# the work a save costs (a question never needs more).
MAX_CRITERIA = 100
MAX_PHRASINGS = 50


class StrictModel(BaseModel):
    """Base for rubric parts: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class ContrastClaim(StrictModel):
    """What one side of a comparison does, e.g. subject 'RNN', claim 'processes sequences'."""

    subject: Text
    claim: Text


class Criterion(StrictModel):
    """A key point of the answer, worth ``points``; ``phrasings`` are other ways to say it."""

    id: Slug
    text: Text
    points: Points = 1.0
    phrasings: list[Text] = Field(default_factory=list, max_length=MAX_PHRASINGS)
    contrast: list[ContrastClaim] = Field(
        default_factory=list,
        max_length=10,
        description="For a comparison: each subject's claim; exchanging them makes it wrong.",
    )
    hint: str = Field(
        default="", description="Shown to a student who missed this point (the first missed one)."
    )


class SelectRule(StrictModel):
    """Full marks for the best ``any`` criteria among ``of`` (all criteria when ``of`` is empty)."""

    any: Annotated[int, Number, Field(ge=1)]
    of: list[Slug] = Field(default_factory=list)


class Misconception(StrictModel):
    """A wrong statement that costs ``penalty`` points when an answer makes it."""

    id: Slug
    text: Text
    penalty: Annotated[float, Number, Field(ge=0, le=1000, allow_inf_nan=False)] = 1.0
    criterion: Slug | None = Field(
        default=None, description="The criterion this statement contradicts, if any."
    )
    explanation: str = ""


class Source(StrictModel):
    """Where the question came from, so regeneration can find it again."""

    document: Text
    number: Annotated[int, Number, Field(ge=0)]


class Rubric(StrictModel):
    """One question's rubric."""

    id: Slug
    prompt: Text
    topic: Text
    max_points: Points
    reference_answer: Text
    accepts: Literal["key-points", "examples"] = Field(
        default="key-points",
        description="'key-points': the criteria are points to make. 'examples': the question "
        "asks for an example (an application, a name, ...) and each criterion is one accepted "
        "example; any one earns its points, and an on-topic answer that matches none is flagged "
        "for an instructor instead of being silently zeroed.",
    )
    criteria: Annotated[list[Criterion], Field(min_length=1, max_length=MAX_CRITERIA)]
    select: SelectRule | None = None
    misconceptions: list[Misconception] = Field(default_factory=list, max_length=MAX_CRITERIA)
    hints: list[Text] = Field(default_factory=list, max_length=50)
    notes: list[Text] = Field(
        default_factory=list,
        max_length=100,
        description="Grading notes for instructors (from the source document); never matched "
        "against answers and never shown to students.",
    )
    demo: str = Field(default="", description="Id of the linked mini-demo; empty for none.")
    points_step: Points | None = Field(
        default=None,
        description="The step points are shown and sent to the LMS in (0.5: 1.5 of 2, never "
        "1.37); stored scores keep full precision. Unset: the course's GRADER_POINTS_STEP.",
    )
    feedback_shown: Literal["full", "hints", "points"] | None = Field(
        default=None,
        description="What a student sees of a grade: 'full' (criteria, evidence, feedback), "
        "'hints' (points, which key points were missed and hints, never the key points' text) "
        "or 'points' (points and verdict only: an exam). Unset: the course's setting "
        "(GRADER_FEEDBACK_SHOWN). Instructors always see everything.",
    )
    reference_shown: Literal["always", "after-trying", "never"] | None = Field(
        default=None,
        description="When a student sees the worked reference answer on the pages: 'always', "
        "'after-trying' (after a correct answer or after `reference_after_attempts` attempts) "
        "or 'never'. Unset: 'after-trying', or 'never' when `feedback_shown` hides the key "
        "(hints, points).",
    )
    reference_after_attempts: Annotated[int, Number, Field(ge=1, le=1000)] | None = Field(
        default=None,
        description="Attempts after which 'after-trying' shows the reference answer even "
        "without a correct one. Unset: the course's GRADER_REFERENCE_AFTER_ATTEMPTS.",
    )
    source: Source | None = None

    def counting_rule(self) -> SelectRule | None:
        """The select rule in force: the rubric's own, or "any one" for a list of examples."""
        if self.select is None and self.accepts == "examples":
            return SelectRule(any=1)
        return self.select

    def achievable_points(self) -> float:
        """The most points an answer can earn: every criterion, or the best ``any`` of a select."""
        rule = self.counting_rule()
        if rule is None:
            return sum(c.points for c in self.criteria)
        group = set(rule.of) or {c.id for c in self.criteria}
        selected = sorted((c.points for c in self.criteria if c.id in group), reverse=True)
        rest = sum(c.points for c in self.criteria if c.id not in group)
        return rest + sum(selected[: rule.any])
