"""Audience resolution: each kind of audience, and the carers who must never be in one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.engine import Database
from db.models.casework import Complaint, ComplaintStatus
from db.models.transport import Phase
from services.broadcasts.audiences import AudienceError, audience_spec, resolve_audience
from tests.support.factories import make_carer, make_child, make_route, make_school

NOW = datetime(2026, 6, 3, 9, tzinfo=UTC)


async def _names(database: Database, spec: dict) -> list[str]:
    async with database.transaction() as session:
        audience = await resolve_audience(session, spec=spec)
    return sorted(row.carer.first_name or "" for row in audience.rows)


async def test_each_kind_of_audience(database: Database) -> None:
    async with database.transaction() as session:
        oak = await make_school(session, name="Oakwood", district="Maidstone")
        elm = await make_school(session, name="Elm Park", district="Dover")
        oak_route = await make_route(session, school=oak, code="OAK1")
        elm_route = await make_route(session, school=elm, code="ELM1")
        ann_child = await make_child(session, route=oak_route, display_name="Ben", phase=Phase.PRIMARY)
        bea_child = await make_child(session, route=elm_route, display_name="Cy", phase=Phase.SECONDARY)
        ann = await make_carer(session, first_name="Ann", children=[ann_child])
        await make_carer(session, first_name="Bea", children=[bea_child])
        await make_carer(session, first_name="Cat")
        session.add(Complaint(reference="C-1", carer_id=ann.id, category="lateness", stage=1,
                              status=ComplaintStatus.AWAITING_RESPONSE, stage1_received_at=NOW))
        oak_id = oak.id
    assert await _names(database, {"kind": "everyone"}) == ["Ann", "Bea", "Cat"]
    assert await _names(database, {"kind": "school", "value": oak_id}) == ["Ann"]
    assert await _names(database, {"kind": "route", "value": "ELM1"}) == ["Bea"]
    assert await _names(database, {"kind": "district", "value": "Dover"}) == ["Bea"]
    assert await _names(database, {"kind": "phase", "value": "secondary"}) == ["Bea"]
    assert await _names(database, {"kind": "open_complaint"}) == ["Ann"]


async def test_no_consent_muted_erased_and_chatless_carers_are_left_out(database: Database) -> None:
    async with database.transaction() as session:
        child = await make_child(session)
        await make_carer(session, first_name="Kept", children=[child])
        await make_carer(session, first_name="NoConsent", has_consent=False, children=[child])
        muted = await make_carer(session, first_name="Muted", children=[child])
        muted.muted_update_kinds = ["broadcasts"]
        erased = await make_carer(session, first_name="Erased", children=[child])
        erased.erased_at = NOW
        withdrawn = await make_carer(session, first_name="Withdrawn", children=[child])
        withdrawn.consent_withdrawn_at = NOW
        school_id = child.school_id
    assert await _names(database, {"kind": "school", "value": school_id}) == ["Kept"]


async def test_a_carer_with_two_children_is_counted_once(database: Database) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        first = await make_child(session, route=route, display_name="Ada")
        second = await make_child(session, route=route, display_name="Bo")
        await make_carer(session, first_name="Pat", children=[first, second])
        code = route.code
    async with database.transaction() as session:
        audience = await resolve_audience(session, spec={"kind": "route", "value": code})
    assert audience.count == 1 and audience.rows[0].child_name == "Ada"


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [("nobody", None, "audience_kind"), ("school", "abc", "audience_value"), ("phase", "nursery", "audience_value"), ("route", " ", "audience_value")],
)
def test_bad_audience_specs_name_the_field(kind: str, value: object, field: str) -> None:
    with pytest.raises(AudienceError) as caught:
        audience_spec(kind, value)
    assert caught.value.field == field
