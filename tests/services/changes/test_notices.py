"""Recording a change: children, then carers, one personal notice each in their language, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import select

from db.dao.delivery.outbox import fetch_outbox_for_source
from db.engine import Database
from db.models import ChangeChild, ChangeKind, ChangeNotice, RouteStop
from services.changes.notices import ChangeError, ChangeRequest, record_change
from tests.support.factories import make_carer, make_child, make_operator, make_route, make_transport_change

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_each_linked_carer_gets_one_notice_about_their_children(database: Database) -> None:
    async with database.transaction() as session:
        route = await make_route(session, code="MA-101")
        sam = await make_child(session, route=route, display_name="Sam")
        ola = await make_child(session, route=route, display_name="Ola")
        elsewhere = await make_child(session, display_name="Kit")
        mum = await make_carer(session, children=[sam, ola])
        tata = await make_carer(session, language="pl", children=[ola])
        await make_carer(session, children=[elsewhere])
        recorded = await make_transport_change(session, route=route, now=NOW, effective_from=date(2026, 12, 1))
        rows = await fetch_outbox_for_source(session, source_type="transport_change", source_id=recorded.change.id)
        notices = (await session.exec(select(ChangeNotice))).all()
        frozen = (await session.exec(select(ChangeChild))).all()
    assert (recorded.affected_children, recorded.carers, recorded.notices.queued) == (2, 2, 2)
    assert {child.child_id for child in frozen} == {sam.id, ola.id}
    by_carer = {row.carer_id: row for row in rows}
    assert "<b>New pick-up time for Ola and Sam</b>" in (by_carer[mum.id].text or "")
    assert "Old: 7:40am" in (by_carer[mum.id].text or "") and "New: <b>7:55am</b>" in (by_carer[mum.id].text or "")
    assert "This starts on <b>Tuesday 1 December</b>." in (by_carer[mum.id].text or "")
    assert "Why: Road works on the A20" in (by_carer[mum.id].text or "") and "03000 41 00 00" in (by_carer[mum.id].text or "")
    assert "<b>Nowa godzina odbioru: Ola</b>" in (by_carer[tata.id].text or "")
    assert "Pierwszy dzień: <b>wtorek 1 grudnia</b>" in (by_carer[tata.id].text or "")
    assert "Przeczytane" in (by_carer[tata.id].reply_markup or "")
    assert {notice.carer_id: notice.outbox_message_id for notice in notices} == {mum.id: by_carer[mum.id].id, tata.id: by_carer[tata.id].id}
    assert all(row.idempotency_key == f"change:{recorded.change.id}:carer:{row.carer_id}" for row in rows)


async def test_recording_the_same_reference_twice_sends_nothing_new(database: Database) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        await make_carer(session, children=[await make_child(session, route=route)])
        first = await make_transport_change(session, route=route, now=NOW, reference="OFFICER-42")
        again = await make_transport_change(session, route=route, now=NOW, reference="OFFICER-42")
    assert first.is_new and not again.is_new and again.change.id == first.change.id


async def test_an_operator_change_reaches_every_route_it_runs_and_a_stop_change_only_that_stop(database: Database) -> None:
    async with database.transaction() as session:
        operator = await make_operator(session)
        routes = [await make_route(session, operator=operator) for _ in range(3)]
        children = [await make_child(session, route=route) for route in routes]
        for child in children:
            await make_carer(session, children=[child])
        by_operator = await record_change(
            session,
            request=ChangeRequest(kind=ChangeKind.NEW_OPERATOR, effective_from=date(2027, 1, 4), recorded_by="o",
                                  operator_code=operator.code, old_value="Garden Cars", new_value="Isle Taxis"),
            now=NOW, council_phone="1",
        )
        at_stop_one = await make_child(session, route=routes[0])
        first_stop = select(RouteStop).where(RouteStop.route_id == routes[0].id, RouteStop.sequence == 1)
        at_stop_one.stop_id = (await session.exec(first_stop)).one().id
        session.add(at_stop_one)
        await make_carer(session, children=[at_stop_one])
        by_stop = await make_transport_change(session, route=routes[0], now=NOW, stop_sequence=1)
    assert (by_operator.affected_children, by_operator.notices.queued) == (3, 3)
    assert (by_stop.affected_children, by_stop.notices.queued) == (1, 1)


async def test_urgent_and_cancelled_today_changes_go_in_quiet_hours(database: Database) -> None:
    late = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        route = await make_route(session)
        carer = await make_carer(session, children=[await make_child(session, route=route)])
        carer.quiet_hours_start, carer.quiet_hours_end = time(21, 0), time(7, 0)
        session.add(carer)
        calm = await make_transport_change(session, route=route, now=late)
        cancelled = await make_transport_change(session, route=route, now=late, kind=ChangeKind.CANCELLED_TODAY,
                                                effective_from=late.date(), old_value=None, new_value=None)
        calm_row = (await fetch_outbox_for_source(session, source_type="transport_change", source_id=calm.change.id))[0]
        urgent_row = (await fetch_outbox_for_source(session, source_type="transport_change", source_id=cancelled.change.id))[0]
    assert calm_row.not_before == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert cancelled.change.is_urgent and urgent_row.not_before == late and urgent_row.is_urgent
    assert "No transport for Sam today" in (urgent_row.text or "") and "Urgent" in (urgent_row.text or "")


async def test_children_with_no_carer_on_carerline_are_counted(database: Database) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        await make_child(session, route=route)
        recorded = await make_transport_change(session, route=route, now=NOW)
    assert (recorded.affected_children, recorded.children_without_carer, recorded.notices.queued) == (1, 1, 0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"route_code": "NOPE"}, "route_code"),
        ({"route_code": None}, "route_code"),
        ({"stop_sequence": 9}, "stop_sequence"),
        ({"kind": ChangeKind.ROUTE_SUSPENDED}, "effective_until"),
        ({"effective_until": date(2020, 1, 1)}, "effective_until"),
        ({"recorded_by": " "}, "recorded_by"),
    ],
)
async def test_a_wrong_change_names_the_field(database: Database, fields: dict[str, object], field: str) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        with pytest.raises(ChangeError) as raised:
            await make_transport_change(session, route=route, now=NOW, **fields)
    assert raised.value.field == field


async def test_a_suspension_names_its_first_and_last_day(database: Database) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        await make_carer(session, children=[await make_child(session, route=route)])
        recorded = await make_transport_change(
            session, route=route, now=NOW, kind=ChangeKind.ROUTE_SUSPENDED, effective_from=date(2026, 12, 7),
            effective_until=date(2026, 12, 9), old_value=None, new_value=None, reason="The school is closed for works.",
        )
        [row] = await fetch_outbox_for_source(session, source_type="transport_change", source_id=recorded.change.id)
    assert "This starts on <b>Monday 7 December</b>. The last day is <b>Wednesday 9 December</b>." in (row.text or "")
    assert recorded.change.effective_at == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
