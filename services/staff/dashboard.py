"""The staff dashboard: what needs a person now, as counts only (no identities), from a provider registry.

Each panel's count comes from a provider registered under the panel's key. Areas whose tables are
not built yet have no provider, and their panel says "not yet available" rather than showing 0.
To fill a panel, add one `register_count_provider(...)` line at the bottom of this module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.staff.dashboard import count_unreachable_carers
from db.dao.casework.problem_reports import count_problem_reports_since
from db.dao.transport.staff import count_unacknowledged_notices
from services.applications.stages import fetch_overdue_applications
from services.complaints.queue import count_complaints_due_or_overdue
from services.staff.permissions import Permission

CountProvider = Callable[[AsyncSession, datetime], Awaitable[int]]
UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class DashboardPanel:
    """One panel: what it counts, why it matters, and where a person goes to act on it."""

    key: str
    title: str
    description: str
    link_path: str | None = None
    link_text: str | None = None
    link_permission: Permission | None = None


@dataclass(frozen=True)
class PanelReading:
    """A panel with its count now; None when the area is not built yet."""

    panel: DashboardPanel
    count: int | None

    @property
    def is_available(self) -> bool:
        """False until a provider is registered for the panel."""
        return self.count is not None

    @property
    def needs_attention(self) -> bool:
        """True when there is something to do."""
        return bool(self.count)


# Order matters: the most urgent first.
PANELS: tuple[DashboardPanel, ...] = (
    DashboardPanel(
        key="problems_today",
        title="Problems reported today",
        description="Problems families reported on the day, such as a late or missing vehicle.",
        link_path="/casework/problems",
        link_text="See problems reported",
        link_permission=Permission.VIEW_CASEWORK,
    ),
    DashboardPanel(
        key="changes_unacknowledged",
        title="Change notices not acknowledged",
        description="Families told about a transport change who have not yet confirmed they have seen it.",
        link_path="/changes",
        link_text="See transport changes",
        link_permission=Permission.VIEW_TRANSPORT,
    ),
    DashboardPanel(
        key="complaints_due",
        title="Complaints due or overdue",
        description="Complaints whose next response is due within 2 working days or is late (Complaint Handling Code).",
        link_path="/casework/complaints",
        link_text="See complaints",
        link_permission=Permission.VIEW_CASEWORK,
    ),
    DashboardPanel(
        key="unreachable_carers",
        title="Unreachable carers",
        description="Carers who blocked the bot or whose chat no longer exists, so messages cannot reach them.",
    ),
    DashboardPanel(
        key="applications_overdue",
        title="Applications past 20 working days",
        description="Transport applications not yet fulfilled 20 working days after the council received them.",
        link_path="/applications",
        link_text="See the applications",
        link_permission=Permission.RECORD_TRANSPORT_CHANGES,
    ),
)

_providers: dict[str, CountProvider] = {}


def register_count_provider(key: str, provider: CountProvider) -> None:
    """Fill a panel: `provider(session, now)` returns its count."""
    if key not in {panel.key for panel in PANELS}:
        raise ValueError(f"no dashboard panel called {key!r}")
    _providers[key] = provider


async def read_dashboard(session: AsyncSession, *, now: datetime) -> list[PanelReading]:
    """Every panel with its count now."""
    readings = []
    for panel in PANELS:
        provider = _providers.get(panel.key)
        readings.append(
            PanelReading(panel=panel, count=await provider(session, now) if provider else None)
        )
    return readings


async def _unreachable_carers(session: AsyncSession, now: datetime) -> int:
    return await count_unreachable_carers(session)


register_count_provider("unreachable_carers", _unreachable_carers)


async def _problems_today(session: AsyncSession, now: datetime) -> int:
    # "Today" is the Kent calendar day, not the UTC one.
    start_of_day = datetime.combine(now.astimezone(UK).date(), time.min, tzinfo=UK).astimezone(UTC)
    return await count_problem_reports_since(session, since=start_of_day)


register_count_provider("problems_today", _problems_today)


register_count_provider("complaints_due", count_complaints_due_or_overdue)


async def _changes_unacknowledged(session: AsyncSession, now: datetime) -> int:
    # Changes over for more than a day no longer need anyone to see them.
    return await count_unacknowledged_notices(session, effective_since=now - timedelta(days=1))


register_count_provider("changes_unacknowledged", _changes_unacknowledged)


async def _applications_overdue(session: AsyncSession, now: datetime) -> int:
    return len(await fetch_overdue_applications(session, today=now.astimezone(UK).date()))


register_count_provider("applications_overdue", _applications_overdue)
