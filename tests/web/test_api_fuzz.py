"""Property-based run over every operation in /api/v1/openapi.json: no 5xx, answers as documented."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from db.models.broadcasts import Broadcast
from db.models.surveys import Survey
from db.models.casework import ProblemReport
from db.models.casework import FeedbackItem, FeedbackSource, QuoteStatus
from db.models.staff import StaffRole
from db.models.transport import DisruptionKind, OperatorDisruption, TransportChangeDraft
from sqlalchemy import delete, update
from sqlmodel import col
from services.casework.errors import council_day
from services.operators.reports import DisruptionRequest, report_disruption
from services.staff.audit import Actor
from services.staff.permissions import ROLE_PERMISSIONS
from tests.support.factories import make_sample_transport
from tests.support.staff import StaffWeb
from tests.web.test_complaints import seed_complaints
from web.api.registry import OPERATIONS

MAX_EXAMPLES = 20
# Operations whose only success needs one exact record in one exact state that random ids rarely name
# (a report of the caller's operator, under 10 minutes old, never corrected): the fuzzer still checks
# them for 5xx and documented answers; tests/web/test_operator_api.py proves their success.
SUCCESS_PROVED_ELSEWHERE = {"correct_report"}
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def role_for(operation_id: str) -> StaffRole:
    """A role allowed to call the operation, so the run reaches past the permission check."""
    permission = next(
        operation.permission for operation in OPERATIONS if operation.operation_id == operation_id
    )
    return next(
        role
        for role, granted in ROLE_PERMISSIONS.items()
        if permission is None or permission in granted
    )


def fuzz_every_operation(
    document: dict[str, Any], *, base_url: str, new_token: Any, before: Any = None
) -> dict[str, Counter[int]]:
    """Run Hypothesis over each operation, positive and negative data, with fresh tokens of an allowed role."""
    schema = schemathesis.openapi.from_dict(document)
    seen: dict[str, Counter[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operation_id = operation.definition.raw["operationId"]
        seen[operation_id] = Counter()
        has_inputs = bool(
            operation.definition.raw.get("parameters")
            or operation.definition.raw.get("requestBody")
        )
        modes = [schemathesis.GenerationMode.POSITIVE] + (
            [schemathesis.GenerationMode.NEGATIVE] if has_inputs else []
        )
        for mode in modes:
            if before is not None:
                before(operation_id)
            checks = (
                POSITIVE_CHECKS
                if mode is schemathesis.GenerationMode.POSITIVE
                else [not_a_server_error]
            )
            run = exercise(
                operation,
                mode,
                base_url=base_url,
                token=new_token(role_for(operation_id)),
                checks=checks,
                statuses=seen[operation_id],
            )
            run()
    return seen


def exercise(
    operation: Any,
    mode: Any,
    *,
    base_url: str,
    token: str,
    checks: list[Any],
    statuses: Counter[int],
) -> Any:
    """One Hypothesis test for one operation in one generation mode."""

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=checks)

    return run


async def reset_report_one(staff_web: StaffWeb, operation_id: str) -> None:
    """Operator report 1 in the state each step needs: a fresh running-late report, a cancellation awaiting an
    officer, or (for the withdrawal operation's example, disruption_ids [1]) a route handed back from a fortnight on."""
    handed_back = operation_id == "confirm_withdrawn_routes"
    is_draft_step = handed_back or operation_id in ("confirm_disruption_draft", "reject_disruption_draft")
    first_day = council_day(staff_web.clock()) + timedelta(days=14 if handed_back else 0)
    async with staff_web.database.transaction() as session:
        await session.exec(
            update(OperatorDisruption).where(col(OperatorDisruption.id) == 1).values(
                kind="cannot_run_from" if handed_back else "run_cancelled" if is_draft_step else "running_late",
                minutes_late=None if is_draft_step else 20, from_date=first_day if handed_back else None,
                status="awaiting_officer" if is_draft_step else "families_told", reported_at=staff_web.clock(),
                corrected_at=None, withdrawn_at=None, resolved_at=None, resolution=None,
            )
        )
        await session.exec(delete(TransportChangeDraft).where(col(TransportChangeDraft.disruption_id) == 1))
        if is_draft_step:
            session.add(TransportChangeDraft(
                disruption_id=1, route_id=1, kind="new_operator" if handed_back else "cancelled_today",
                effective_from=first_day, reason="The operator cancelled the morning run", status="draft",
                created_at=staff_web.clock(),
            ))


@pytest.mark.timeout(600)  # every operation, positive and negative: minutes on a busy 2-core machine
async def test_no_operation_answers_5xx_and_every_answer_matches_the_document(
    staff_web: StaffWeb,
) -> None:
    loop = asyncio.get_running_loop()
    async with staff_web.database.transaction() as session:  # records for the casework operations to find
        for number in range(1, 6):
            session.add(ProblemReport(reference=f"PR-2026-{number:05d}", category="running_late", reported_at=staff_web.clock()))
            session.add(Broadcast(title=f"Draft {number}", template_text="Hello", audience={"kind": "everyone"}, created_by_staff_id=999))
            session.add(Survey(title=f"Survey {number}", intro="Hi", rating_question="How?", audience={"kind": "everyone"}, closes_at=staff_web.clock() + timedelta(days=7), remind_at=staff_web.clock() + timedelta(days=5)))
        await make_sample_transport(session, now=staff_web.clock())  # routes, children, changes and HTST-1
        await report_disruption(  # report 1, reset before each operator or officer step (see reset_report_one)
            session, operator_id=1, request=DisruptionRequest(route_id=1, kind=DisruptionKind.RUNNING_LATE, minutes_late=20),
            actor=Actor.system("tests"), now=staff_web.clock(), council_phone="03000 41 00 00", staff_base_url=staff_web.url,
        )
        photo = await seed_complaints(session, now=staff_web.clock(), attachments_dir=staff_web.settings.attachments_dir)
        session.add(FeedbackItem(source=FeedbackSource.SURVEY, topic="journey", rating=5, text="A kind driver",  # a quote to curate
                                 consent_to_quote=True, quote_status=QuoteStatus.PROPOSED))
    admin_token = await staff_web.add_token(StaffRole.ADMIN)
    client = staff_web.client()
    async with client.http.get(
        "/api/v1/openapi.json", headers={"Authorization": f"Bearer {admin_token}"}
    ) as response:
        document = await response.json()

    def before(operation_id: str) -> None:
        asyncio.run_coroutine_threadsafe(reset_report_one(staff_web, operation_id), loop).result(timeout=30)

    def new_token(role: StaffRole) -> str:
        return asyncio.run_coroutine_threadsafe(
            staff_web.add_token(role, name=f"fuzz {role.value}"), loop
        ).result(timeout=30)

    try:
        seen = await asyncio.to_thread(
            fuzz_every_operation, document, base_url=staff_web.url, new_token=new_token, before=before
        )
    finally:
        photo.unlink(missing_ok=True)
    assert set(seen) == {operation.operation_id for operation in OPERATIONS}
    for operation_id, statuses in seen.items():
        assert sum(statuses.values()) > 0, operation_id
        assert set(statuses) - {401}, (
            f"{operation_id} only ever answered 401: credentials did not reach it"
        )
        if operation_id not in SUCCESS_PROVED_ELSEWHERE:
            assert any(status < 300 for status in statuses), (operation_id, statuses)
