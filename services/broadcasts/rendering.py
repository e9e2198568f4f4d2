"""A coordinator's message with placeholders, rendered per carer in a Jinja2 sandbox.

Coordinators are not trusted to run code: the sandbox blocks attribute tricks, only the
whitelisted placeholders may appear, and every failure is a message staff can act on.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from jinja2 import StrictUndefined, TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from db.dao.broadcasts import AudienceRow
from messaging.limits import FAMILY_TEXT_LIMITS

PLACEHOLDERS: dict[str, str] = {
    "carer_first_name": "The parent or carer's first name",
    "child_name": "The child's first name or initials",
    "school": "The child's school",
    "route": "The child's route code",
}
# Families read it on any channel: short enough that no message passes Notify's 918 characters.
MAX_TEMPLATE_LENGTH = FAMILY_TEXT_LIMITS["broadcast"]
MAX_RENDERED_LENGTH = MAX_TEMPLATE_LENGTH + 100  # placeholders filled with names and routes

_ENVIRONMENT = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, trim_blocks=True)


class TemplateProblem(ValueError):
    """A message template that cannot be used, with a reason staff can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class RenderedSample:
    """One carer's message as they would read it (HTML for Telegram)."""

    carer_pseudonym: str
    text: str


def check_template(template_text: str) -> None:
    """Refuse an empty, over-long or broken template, or one naming an unknown placeholder."""
    if not template_text.strip():
        raise TemplateProblem("Enter the message")
    if len(template_text) > MAX_TEMPLATE_LENGTH:
        raise TemplateProblem(f"The message must be {MAX_TEMPLATE_LENGTH} characters or fewer")
    try:
        parsed = _ENVIRONMENT.parse(template_text)
    except TemplateError as error:
        raise TemplateProblem(f"The message has a placeholder that is not finished or not understood: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - PLACEHOLDERS.keys())
    if not unknown and not _only_placeholders(parsed):
        raise TemplateProblem("Use placeholders on their own, like {{ child_name }}: no other template code")
    if unknown:
        allowed = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        raise TemplateProblem(f"Unknown placeholder {', '.join(unknown)}. You can use {allowed}")


def _only_placeholders(parsed: nodes.Template) -> bool:
    """True when the template is plain text and bare {{ name }} placeholders (no loops, filters or attributes)."""
    for output in parsed.body:
        if not isinstance(output, nodes.Output):
            return False
        if not all(isinstance(part, nodes.TemplateData | nodes.Name) for part in output.nodes):
            return False
    return True


def placeholder_values(row: AudienceRow) -> dict[str, str]:
    """The placeholders' values for one carer (a neutral word where a value is missing)."""
    return {
        "carer_first_name": row.carer.first_name or "parent or carer",
        "child_name": row.child_name or "your child",
        "school": row.school_name or "school",
        "route": row.route_code or "your route",
    }


def render_for(template_text: str, row: AudienceRow) -> str:
    """The message for one carer, HTML-escaped for Telegram's parse_mode HTML."""
    check_template(template_text)
    try:
        plain = _ENVIRONMENT.from_string(template_text).render(placeholder_values(row))
    except TemplateError as error:
        raise TemplateProblem(f"The message could not be filled in: {error.message or error.__class__.__name__}") from None
    # The whole text is escaped, not only the values: a coordinator's own "<" or "&" is text, never markup.
    rendered = html.escape(plain.strip(), quote=False)
    if not rendered:
        raise TemplateProblem("The message is empty once filled in")
    if len(rendered) > MAX_RENDERED_LENGTH:
        raise TemplateProblem("The message is too long once filled in")
    return rendered


def render_samples(template_text: str, rows: list[AudienceRow], *, count: int = 2) -> list[RenderedSample]:
    """The first `count` carers' messages, for the preview."""
    return [RenderedSample(carer_pseudonym=row.carer.pseudonym, text=render_for(template_text, row)) for row in rows[:count]]
