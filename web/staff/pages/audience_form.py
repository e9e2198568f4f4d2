"""What the broadcast composer and the survey form share: the audience choices (radios that reveal one
select), the audience value chosen, and errors in the form's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiohttp import web

from db.dao.broadcasts import fetch_audience_choices
from db.models.surveys import SurveyStatus
from db.models.transport import Phase
from services.broadcasts.audiences import AUDIENCE_KINDS, KINDS_WITH_VALUE
from services.surveys.workflow import list_surveys
from web.keys import DATABASE

# One select per audience kind that needs a value; the services and the API call the chosen one `audience_value`.
AUDIENCE_VALUE_FIELDS = tuple(f"audience_{kind}" for kind in AUDIENCE_KINDS if kind in KINDS_WITH_VALUE)
AUDIENCE_FIELDS = ("audience_kind", *AUDIENCE_VALUE_FIELDS)


async def audience_context(request: web.Request, *, kinds: Sequence[str]) -> dict[str, object]:
    """The audience radios (`kinds`, in order) and the options of the select each one reveals."""
    blank = [("", "Choose")]
    async with request.app[DATABASE].transaction() as session:
        schools, routes, districts = await fetch_audience_choices(session)
        surveys = (
            await list_surveys(session, statuses=[SurveyStatus.SENT.value, SurveyStatus.CLOSED.value])
            if "not_answered_survey" in kinds else []
        )
    values = {
        "school": ("School", blank + [(str(school.id), school.name) for school in schools]),
        "route": ("Route", blank + [(code, code) for code in routes]),
        "district": ("District", blank + [(district, district) for district in districts]),
        "phase": ("Phase of education", blank + [(phase.value, phase.value.replace("_", " ").capitalize()) for phase in Phase]),
        "not_answered_survey": ("Survey not answered", blank + [(str(survey.id), survey.title) for survey in surveys]),
    }
    return {"audience_kinds": [(kind, AUDIENCE_KINDS[kind], values.get(kind)) for kind in kinds]}


def chosen_audience_value(values: Mapping[str, str]) -> str | None:
    """The value of the select the chosen audience kind revealed (None for a kind without one)."""
    return values.get(f"audience_{values.get('audience_kind', '')}")


def page_field(field: str | None, values: Mapping[str, str]) -> str | None:
    """A service's field name as this form's: `audience_value` is the select of the chosen kind."""
    if field == "audience_value":
        kind = values.get("audience_kind", "")
        return f"audience_{kind}" if kind in KINDS_WITH_VALUE else "audience_kind"
    return field


def in_form_order(errors: Sequence[tuple[str, str]], *, order: Sequence[str]) -> list[tuple[str, str]]:
    """Errors sorted as their fields stand in the form (the error summary follows the page)."""
    position = {field: index for index, field in enumerate(order)}
    return sorted(errors, key=lambda error: position.get(error[0], len(order)))
