"""A family's problem report on a route the operator already reported today is linked, and the family told what it said."""

from __future__ import annotations

from sqlmodel import col, select
from telegram import Bot

from db.engine import Database
from db.models import OutboxMessage
from db.models.casework import ProblemReport
from db.models.staff import ActorKind
from db.models.transport import DisruptionKind
from db.types import utc_now
from services.casework.duty_alerts import DutyNotifier, TelegramDutyClient
from services.feedback.tagging import ProblemCategory
from services.operators.reports import DisruptionRequest, report_disruption
from services.problems.reports import report_problem
from services.staff.audit import Actor
from sandbox.emulator import BotApiEmulator
from tests.services.conftest import DUTY_GROUP_CHAT_ID
from tests.support.factories import COUNCIL
from tests.support.operators import make_operator_world


async def test_a_family_report_after_the_operators_is_linked_and_the_family_hears_what_the_operator_said(
    database: Database,
) -> None:
    world = await make_operator_world(database)
    now = utc_now()
    async with database.transaction() as session:
        outcome = await report_disruption(
            session, operator_id=world.operator_a,
            request=DisruptionRequest(route_id=world.route_a.id or 0, kind=DisruptionKind.RUNNING_LATE, minutes_late=35),
            actor=Actor(kind=ActorKind.TOKEN, id=1, label="token Dispatch", role="operator"), now=now,
            council_phone="03000 41 00 00", staff_base_url="http://staff.test",
        )
    for carer, child in ((world.carers_a[0], world.children_a[0]), (world.carer_b, world.child_b)):
        await report_problem(
            database, notifier=DutyNotifier([]), carer_id=carer.id or 0, child_id=child.id or 0,
            category=ProblemCategory.RUNNING_LATE, details=None, now=now, staff_base_url="http://staff.test", council=COUNCIL,
        )
    async with database.transaction() as session:
        reports = (await session.exec(select(ProblemReport).order_by(col(ProblemReport.id)))).all()
        told = (await session.exec(select(OutboxMessage).where(OutboxMessage.source_type == "problem_report"))).all()
    assert reports[0].operator_disruption_id == outcome.disruption.id
    assert reports[1].operator_disruption_id is None  # operator B said nothing about route B
    said = [row.text or "" for row in told if row.carer_id == world.carers_a[0].id and "told us too" in (row.text or "")]
    assert len(said) == 1 and "OPA-1" in said[0] and "35 minutes" in said[0]
    assert not any("told us too" in (row.text or "") for row in told if row.carer_id == world.carer_b.id)


async def test_the_duty_alert_says_what_the_operator_reported_or_that_it_has_not(
    database: Database, emulator: BotApiEmulator, duty_bot: Bot
) -> None:
    world = await make_operator_world(database)
    now = utc_now()
    async with database.transaction() as session:
        outcome = await report_disruption(
            session, operator_id=world.operator_a,
            request=DisruptionRequest(route_id=world.route_a.id or 0, kind=DisruptionKind.RUNNING_LATE, minutes_late=35),
            actor=Actor(kind=ActorKind.TOKEN, id=1, label="token Dispatch", role="operator"), now=now,
            council_phone="03000 41 00 00", staff_base_url="http://staff.test",
        )
    notifier = DutyNotifier([TelegramDutyClient(bot=duty_bot, chat_id=DUTY_GROUP_CHAT_ID)])
    for carer, child in ((world.carers_a[0], world.children_a[0]), (world.carer_b, world.child_b)):
        await report_problem(
            database, notifier=notifier, carer_id=carer.id or 0, child_id=child.id or 0,
            category=ProblemCategory.TRANSPORT_DID_NOT_COME, details=None, now=now, staff_base_url="http://staff.test", council=COUNCIL,
        )
    await emulator.wait_until(lambda: len(emulator.bot_messages(chat_id=DUTY_GROUP_CHAT_ID)) == 2, description="two duty alerts")
    reported, silent = [message.text or "" for message in emulator.bot_messages(chat_id=DUTY_GROUP_CHAT_ID)]
    assert "Garden Cars reported running late, about 35 minutes" in reported and outcome.disruption.reference in reported
    assert "Weald Minibuses has NOT reported anything on route OPB-1 today" in silent
    assert "has NOT reported" not in reported
