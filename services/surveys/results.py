"""A survey's results: responses and rate, the rating distribution, answers aggregated, free text redacted.

Free text leaves officer scope here (Kent PACT reads it), so every answer passes the one redaction
function, with the writer's and their children's names as held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.surveys import fetch_child_names, fetch_responses, fetch_survey_texts
from db.models.surveys import Survey
from services.privacy.redaction import redact
from services.surveys.workflow import find_survey


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's answers: counts per choice, or the redacted words."""

    number: int
    text: str
    kind: str
    choice_counts: list[tuple[str, int]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class SurveyResults:
    """Figures for one survey (raw counts; pages suppress small ones when they show them)."""

    survey: Survey
    invited: int
    completed: int
    rating_counts: dict[int, int]
    questions: list[QuestionResult]
    comments: list[str]

    @property
    def response_rate(self) -> int:
        """Completed responses as a whole percentage of those invited."""
        return round(100 * self.completed / self.invited) if self.invited else 0

    @property
    def average_rating(self) -> float | None:
        """The mean rating to one decimal place, or None without answers."""
        total = sum(self.rating_counts.values())
        if not total:
            return None
        return round(sum(rating * count for rating, count in self.rating_counts.items()) / total, 1)


async def survey_results(session: AsyncSession, *, survey_id: int) -> SurveyResults:
    """Count the responses and gather the answers; free text comes back redacted."""
    survey = await find_survey(session, survey_id=survey_id)
    responses = await fetch_responses(session, survey_id=survey_id)
    completed = [response for response in responses if response.completed_at is not None]
    rating_counts = {rating: 0 for rating in range(1, 6)}
    for response in completed:
        if response.rating in rating_counts:
            rating_counts[response.rating] += 1
    texts = await _redacted_texts(session, survey_id=survey_id)
    questions = []
    for index, question in enumerate(survey.questions):
        number = index + 1
        if question["kind"] == "choice":
            counts = [0] * len(question["choices"])
            for response in completed:
                chosen = response.choices.get(str(index))
                if chosen is not None and 0 <= chosen < len(counts):
                    counts[chosen] += 1
            pairs = list(zip(question["choices"], counts, strict=True))
            questions.append(QuestionResult(number, question["text"], "choice", choice_counts=pairs, skipped=len(completed) - sum(counts)))
        else:
            answers = texts.get(f"survey:{survey_id}:q{number}", [])
            questions.append(QuestionResult(number, question["text"], "text", answers=answers, skipped=len(completed) - len(answers)))
    return SurveyResults(
        survey=survey, invited=len(responses), completed=len(completed), rating_counts=rating_counts,
        questions=questions, comments=texts.get(f"survey:{survey_id}", []),
    )


async def _redacted_texts(session: AsyncSession, *, survey_id: int) -> dict[str, list[str]]:
    rows = await fetch_survey_texts(session, survey_id=survey_id)
    children = await fetch_child_names(session, carer_ids=[item.carer_id for item, _ in rows if item.carer_id is not None])
    by_key: dict[str, list[str]] = {}
    for item, first_name in rows:
        assert item.text is not None and item.survey_key is not None
        known = [name for name in [first_name, *children.get(item.carer_id or 0, [])] if name]
        by_key.setdefault(item.survey_key, []).append(redact(item.text, known_names=known))
    return by_key
