"""Saving validated transport rows: insert what is new, update what changed, leave the rest alone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport.data import (
    fetch_children_by_reference,
    fetch_operators_by_code,
    fetch_routes_by_code,
    fetch_schools_by_code,
    fetch_stops_for_routes,
    save_all,
)
from db.dao.transport.contacts import delete_contacts, fetch_contacts_for_children
from db.models import Child, FamilyContact, Operator, Route, RouteStop, School

if TYPE_CHECKING:
    from services.transport.rows import TransportRow


@dataclass
class ImportCounts:
    """Per kind of record ("schools", "children", ...): how many were created, updated, unchanged."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line per kind, e.g. "children: 3 new, 1 updated, 10 unchanged"."""
        kinds = ("schools", "operators", "routes", "stops", "children", "contacts")
        return "\n".join(
            f"{kind}: {self.created[kind]} new, {self.updated[kind]} updated, {self.unchanged[kind]} unchanged"
            for kind in kinds
        )


def _apply(record: Any, values: dict[str, Any], counts: ImportCounts, kind: str, *, is_new: bool) -> bool:
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    if is_new:
        counts.created[kind] += 1
    elif changed:
        counts.updated[kind] += 1
    else:
        counts.unchanged[kind] += 1
    return is_new or bool(changed)


async def upsert_transport_rows(
    session: AsyncSession, *, rows: list[TransportRow], now: datetime, has_contact_columns: bool = False
) -> tuple[ImportCounts, list[int]]:
    """Upsert schools, operators, routes, stops, children (and contacts if the file has their columns)."""
    counts = ImportCounts()
    schools = await _upsert_schools(session, rows, counts)
    operators = await _upsert_operators(session, rows, counts)
    routes = await _upsert_routes(session, rows, counts, schools=schools, operators=operators, now=now)
    stops = await _upsert_stops(session, rows, counts, routes=routes)
    children = await _upsert_children(session, rows, counts, schools=schools, routes=routes, stops=stops, now=now)
    if has_contact_columns:
        await _upsert_contacts(session, rows, counts, children=children, now=now)
    return counts, [child.id for child in children if child.id is not None]


async def _upsert_schools(session: AsyncSession, rows: list[TransportRow], counts: ImportCounts) -> dict[str, School]:
    wanted: dict[str, dict[str, Any]] = {}
    for row in rows:
        wanted.setdefault(row.school_code, {"name": row.school_name, "district": row.school_district or row.district})
    existing = await fetch_schools_by_code(session, codes=list(wanted))
    dirty = []
    for code, values in wanted.items():
        school = existing.get(code) or School(code=code, name=values["name"], district=values["district"])
        if _apply(school, values, counts, "schools", is_new=code not in existing):
            dirty.append(school)
        existing[code] = school
    await save_all(session, rows=dirty)
    return existing


async def _upsert_operators(session: AsyncSession, rows: list[TransportRow], counts: ImportCounts) -> dict[str, Operator]:
    wanted = {
        row.operator_code: {"name": row.operator_name, "public_phone": row.operator_phone}
        for row in rows
        if row.operator_code is not None
    }
    existing = await fetch_operators_by_code(session, codes=list(wanted))
    dirty = []
    for code, values in wanted.items():
        operator = existing.get(code) or Operator(code=code, name=values["name"], public_phone=values["public_phone"])
        if _apply(operator, values, counts, "operators", is_new=code not in existing):
            dirty.append(operator)
        existing[code] = operator
    await save_all(session, rows=dirty)
    return existing


async def _upsert_routes(
    session: AsyncSession, rows: list[TransportRow], counts: ImportCounts, *,
    schools: dict[str, School], operators: dict[str, Operator], now: datetime,
) -> dict[str, Route]:
    wanted: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.route_code is None or row.operator_code is None:
            continue
        school = schools[row.school_code]
        wanted[row.route_code] = {
            "operator_id": operators[row.operator_code].id,
            "school_id": school.id,
            "vehicle_type": row.vehicle_type,
            "district": school.district,
        }
    existing = await fetch_routes_by_code(session, codes=list(wanted))
    dirty = []
    for code, values in wanted.items():
        route = existing.get(code) or Route(code=code, **values)
        if _apply(route, values, counts, "routes", is_new=code not in existing):
            route.updated_at = now
            dirty.append(route)
        existing[code] = route
    await save_all(session, rows=dirty)
    return existing


async def _upsert_stops(
    session: AsyncSession, rows: list[TransportRow], counts: ImportCounts, *, routes: dict[str, Route]
) -> dict[tuple[int, int], RouteStop]:
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        if row.route_code is None or row.stop_sequence is None:
            continue
        route_id = routes[row.route_code].id
        assert route_id is not None
        wanted[(route_id, row.stop_sequence)] = {
            "name": row.stop_name, "pickup_from": row.pickup_from, "pickup_to": row.pickup_to,
        }
    existing = await fetch_stops_for_routes(session, route_ids=sorted({route_id for route_id, _ in wanted}))
    dirty = []
    for (route_id, sequence), values in wanted.items():
        stop = existing.get((route_id, sequence)) or RouteStop(route_id=route_id, sequence=sequence, **values)
        if _apply(stop, values, counts, "stops", is_new=(route_id, sequence) not in existing):
            dirty.append(stop)
        existing[(route_id, sequence)] = stop
    await save_all(session, rows=dirty)
    return existing


async def _upsert_children(
    session: AsyncSession, rows: list[TransportRow], counts: ImportCounts, *,
    schools: dict[str, School], routes: dict[str, Route], stops: dict[tuple[int, int], RouteStop], now: datetime,
) -> list[Child]:
    existing = await fetch_children_by_reference(session, references=[row.council_reference for row in rows])
    dirty, children = [], []
    for row in rows:
        route = routes.get(row.route_code) if row.route_code else None
        stop = stops.get((route.id, row.stop_sequence)) if route is not None and row.stop_sequence is not None else None  # type: ignore[arg-type]
        values = {
            "display_name": row.child_name,
            "school_id": schools[row.school_code].id,
            "route_id": route.id if route else None,
            "stop_id": stop.id if stop else None,
            "district": row.district,
            "phase": row.phase,
            "is_active": True,
        }
        child = existing.get(row.council_reference) or Child(council_reference=row.council_reference, **values)
        if _apply(child, values, counts, "children", is_new=row.council_reference not in existing):
            child.updated_at = now
            dirty.append(child)
        children.append(child)
    await save_all(session, rows=dirty)
    return children


async def _upsert_contacts(
    session: AsyncSession, rows: list[TransportRow], counts: ImportCounts, *, children: list[Child], now: datetime
) -> None:
    """Each child's carers as the file gives them: blank columns remove a carer; erased contacts stay erased."""
    child_ids = [child.id for child in children if child.id is not None]
    existing = await fetch_contacts_for_children(session, child_ids=child_ids)
    dirty: list[FamilyContact] = []
    removed: list[int] = []
    for row, child in zip(rows, children, strict=True):
        assert child.id is not None
        given = {contact.position: contact for contact in row.contacts}
        for position in (1, 2):
            contact, stored = given.get(position), existing.get((child.id, position))
            if stored is not None and stored.erased_at is not None:
                counts.unchanged["contacts"] += 1  # erased at the family's request: an import must not bring it back
                continue
            if stored is not None and stored.changed_at is not None:
                counts.unchanged["contacts"] += 1  # the carer or an officer changed it in Carerline: newer than the file
                continue
            if contact is None:
                if stored is not None and stored.id is not None:
                    removed.append(stored.id)
                    counts.updated["contacts"] += 1
                continue
            values = {
                "name": contact.name, "mobile_e164": contact.mobile_e164, "email": contact.email,
                "preferred_channel": contact.preferred_channel, "postal_address": contact.postal_address,
                # A carer who linked chose their language in the bot: that wins over the file's.
                "language": stored.language if stored is not None and stored.carer_id is not None else contact.language,
            }
            record = stored or FamilyContact(child_id=child.id, position=position, **values)
            if _apply(record, values, counts, "contacts", is_new=stored is None):
                record.updated_at = now
                dirty.append(record)
    await delete_contacts(session, contact_ids=removed)
    await save_all(session, rows=dirty)
