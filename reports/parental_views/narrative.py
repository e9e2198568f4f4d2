"""The words in the parental-views section: curated quotes, "You said, we did", PACT's commentary, the method note."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import Period, fetch_commentary, fetch_you_said_rows
from db.dao.reports.parental_views_figures import fetch_approved_quotes
from reports.parental_views.model import QuoteGroup, Section, Table
from services.calendar.periods import AcademicYear
from reports.parental_views.publishing import SUPPRESSION_THRESHOLD
from services.privacy.redaction import redact

QUOTES_PER_THEME = 3
MAX_QUOTE_LENGTH = 280
QUOTE_PAGE = 10
UNTAGGED_THEME = "other"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE_LENGTH else text[: MAX_QUOTE_LENGTH - 1].rstrip() + "…"


async def _quotes_under(session: AsyncSession, *, period: Period, theme: str, outranked_by: list[str]) -> list[str]:
    """Up to QUOTES_PER_THEME different quotes whose best-ranked theme is `theme`, oldest first; only these are redacted."""
    quotes: list[str] = []
    after = None
    while True:
        rows = await fetch_approved_quotes(session, period=period, theme=theme, outranked_by=outranked_by,
                                           with_untagged=theme == UNTAGGED_THEME, after=after, limit=QUOTE_PAGE)
        for row in rows:
            quote = _short(redact(row.text, known_names=[name for name in (row.carer_name, row.child_name) if name]))
            if quote not in quotes:
                quotes.append(quote)
                if len(quotes) == QUOTES_PER_THEME:
                    return quotes
        if len(rows) < QUOTE_PAGE:
            return quotes
        after = (rows[-1].created_at, rows[-1].feedback_id)


async def quotes_section(
    session: AsyncSession, *, year: AcademicYear, theme_order: Sequence[str], label_of: Callable[[str], str]
) -> Section:
    """Approved quotes (consented, curated, redacted) given in the year, under the most-mentioned theme each carries.

    A quote with no theme counts as "other". Each theme's quotes come from a LIMITed query, oldest first.
    """
    rank = {key: index for index, key in enumerate(theme_order)}
    groups: dict[str, list[str]] = {}
    for theme in sorted({*theme_order, UNTAGGED_THEME}, key=lambda key: (rank.get(key, len(rank)), key)):
        outranked_by = [key for key in theme_order if rank[key] < rank.get(theme, len(rank))]
        quotes = await _quotes_under(session, period=year.period, theme=theme, outranked_by=outranked_by)
        if quotes:
            groups[theme] = quotes
    return Section(
        key="quotes", title="In families' own words",
        paragraphs=("Families chose to let Kent PACT quote them anonymously. A PACT coordinator chose each quote, and "
                    "names, contact details, addresses and reference numbers have been removed.",)
        if groups else ("No quotes were approved for this year.",),
        quote_groups=tuple(QuoteGroup(label_of(key), tuple(quotes)) for key, quotes in groups.items()),
    )


async def you_said_section(session: AsyncSession, *, year: AcademicYear) -> Section:
    """The coordinators' "You said, we did" table."""
    rows = await fetch_you_said_rows(session, academic_year=year.label)
    if not rows:
        return Section(key="you_said", title="You said, we did", paragraphs=("Kent PACT has not written this table yet.",))
    table = Table("You said, we did", ("You said", "We did"), tuple((redact(row.you_said), redact(row.we_did)) for row in rows))
    return Section(key="you_said", title="You said, we did", tables=(table,))


async def commentary_section(session: AsyncSession, *, year: AcademicYear) -> Section:
    """Kent PACT's commentary, one paragraph per block of text."""
    commentary = await fetch_commentary(session, academic_year=year.label)
    if commentary is None or not commentary.text.strip():
        paragraphs: tuple[str, ...] = ("Kent PACT has not written its commentary yet.",)
    else:
        paragraphs = tuple(redact(" ".join(block.split())) for block in commentary.text.split("\n\n") if block.strip())
    return Section(key="commentary", title="Kent PACT's commentary", paragraphs=paragraphs)


def method_section(year: AcademicYear) -> Section:
    """Sources, period and definitions, so a reader can check any figure."""
    terms = "; ".join(f"{term.label}: {term.period.starts_at:%d %B %Y} to {term.period.ends_at:%d %B %Y} (exclusive)" for term in year.terms)
    return Section(
        key="method", title="Method",
        paragraphs=(
            "Sources: Carerline's own records: carers linked to children, every message sent through its outbox, "
            "change notices and their acknowledgements, feedback and survey answers, complaints and their timelines, "
            "and problems reported on the day.",
            f"Period: the academic year {year.label}, 1 September {year.first_calendar_year} to 31 August "
            f"{year.first_calendar_year + 1}, in UTC. Terms are whole months: {terms}. Comparisons are with the same "
            f"period of {year.previous.label}.",
            f"Small numbers: any count under {SUPPRESSION_THRESHOLD}, zero included, is shown as \"fewer than "
            f"{SUPPRESSION_THRESHOLD}\", and a percentage is shown only with its count and only when the count and "
            "its base are both at least 5, so no family can be picked out.",
            "Families: a family is a carer on Carerline; records of carers who asked to be erased count as one family each. "
            "District: the child's district as the council holds it.",
            "Satisfied: a rating of 4 or 5 out of 5. Themes: tagged automatically from a documented taxonomy. "
            "Notice before a change: from the moment Carerline queued the notices to the moment the change took effect. "
            "Within the Code's timescales: acknowledged and answered by the Complaint Handling Code's dates, working days "
            "excluding weekends and England and Wales bank holidays. Resolved: an officer recorded the problem as resolved; "
            "the \"9 in 10\" time is the 90th percentile (nearest rank).",
        ),
    )
