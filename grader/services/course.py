"""What one running service holds for the course it grades: settings, rubrics, the scorer and
its adapted models, the database sessions and the slots for heavy work. Built once in the app's
lifespan; the JSON API and the pages both take it from there."""

from __future__ import annotations

from dataclasses import dataclass

from grader.config import Settings
from grader.errors import NotFound
from grader.rubrics.loader import LoadedRubric, RubricSet
from grader.rubrics.schema import Rubric
from grader.scoring.disclosure import FeedbackShown
from grader.scoring.scorer import Scorer
from grader.services.learning import AdaptedModels
from grader.services.slots import Slots
from grader.store.session import SessionFactory


@dataclass(frozen=True)
class Course:
    settings: Settings
    rubrics: RubricSet
    scorer: Scorer
    adapted: AdaptedModels
    rubric_jobs: Slots
    sessions: SessionFactory

    def question(self, question_id: str) -> LoadedRubric:
        """The question's rubric in force; :class:`NotFound` when there is none."""
        loaded = self.rubrics.rubrics.get(question_id)
        if loaded is None:
            raise NotFound(f"no question '{question_id}'")
        return loaded

    def feedback_shown(self, rubric: Rubric) -> FeedbackShown:
        """What students see of this question's grades: the rubric's choice, else the course's."""
        return rubric.feedback_shown or self.settings.feedback_shown

    def points_step(self, rubric: Rubric) -> float:
        """The step this question's points are shown in: the rubric's, else the course's."""
        return rubric.points_step or self.settings.points_step

    def topics(self) -> dict[str, str]:
        return {q: loaded.rubric.topic for q, loaded in self.rubrics.rubrics.items()}
