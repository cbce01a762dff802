"""Complaints one by one (issue 13): a mass complaint holds many complaints, each with its own clock
(escalation ``Timer`` rows) from its registration, a reminder before the due time, an extension on the
Leadership Group's approval; closed by its owner only; the incident closes while one is open only with the
Leadership Group's recorded reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden
from escalation import services as escalation_services
from escalation.models import Notification, Timer, TimerKind
from incidents.models import State
from measures import services
from measures.models import ComplaintCase
from security import masking
from teams import selectors as team_selectors
from tests.reports.builders import complete_investigation, move, run_to_investigation

from .test_handoffs import _activated

pytestmark = pytest.mark.django_db


def _register(org, incident, customer: str, **extra) -> ComplaintCase:
    handler = team_selectors.team_lead(team_code="complaint")
    return services.complaint_case_assign(
        incident_id=incident.pk,
        user=org["complaint_lead"],
        data={
            "customer": customer,
            "contact": "13812345678",
            "amount": "1200.50",
            "description": "重复扣费",
            "handler": handler.pk,
            **extra,
        },
    )


def _pending(incident, kind=TimerKind.COMPLAINT_CASE_DUE):
    """The complaints' reminders, or the first step of their overdue clocks (the one measure clock)."""
    timers = Timer.objects.filter(
        incident=incident, kind=kind, fired_at__isnull=True, cancelled_at__isnull=True
    )
    if kind == TimerKind.COMPLAINT_CASE_DUE:
        timers = timers.filter(payload__measure="complaint_case", payload__step=1)
    return timers


def test_three_complaints_have_three_clocks_each_from_its_registration(org):
    incident = _activated(org)
    cases = [_register(org, incident, name) for name in ("张女士", "李先生")]
    cases.append(_register(org, incident, "王先生", is_complex="on"))
    due = {t.payload["record"]: t.due_at for t in _pending(incident)}
    assert sorted(due) == sorted(c.pk for c in cases)
    assert due[cases[0].pk] == cases[0].recorded_at + timedelta(days=15)
    assert due[cases[2].pk] == cases[2].recorded_at + timedelta(days=30)
    reminders = {t.payload["record"]: t.due_at for t in _pending(incident, TimerKind.COMPLAINT_CASE_REMINDER)}
    assert reminders[cases[0].pk] == due[cases[0].pk] - timedelta(days=3)
    # the page's countdown label never shows the complainant's name in clear
    assert all("张女士" not in t.label for t in _pending(incident))


def test_reminder_tells_the_handler_and_the_overdue_clock_escalates_once_each(org):
    incident = _activated(org)
    case = _register(org, incident, "张女士")
    overdue = Timer.objects.filter(
        kind=TimerKind.COMPLAINT_CASE_DUE, payload__measure="complaint_case", payload__record=case.pk
    ).order_by("due_at")
    assert [t.due_at - case.due_at for t in overdue] == [
        timedelta(0),
        timedelta(minutes=15),
        timedelta(minutes=30),
    ]
    for timer in [_pending(incident, TimerKind.COMPLAINT_CASE_REMINDER).get(), *overdue]:
        Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        escalation_services.timer_fire(timer_id=timer.pk)
        escalation_services.timer_fire(timer_id=timer.pk)  # a second firing is a no-op
    reminder = Notification.objects.get(incident=incident, event="complaint_case_due", channel="inbox")
    assert reminder.recipient == org["complaint_lead"] and "即将到期" in reminder.subject
    assert "张女士" not in reminder.body
    told = Notification.objects.filter(incident=incident, event="measure_overdue", channel="inbox")
    assert sorted(n.timer.payload["step"] for n in told.filter(recipient=org["complaint_lead"])) == [1, 2]
    assert (
        told.filter(recipient=org["gm"]).count() == 1
        and told.filter(recipient=org["supervisor"]).count() == 1
    )
    assert all("张女士" not in n.body and "张女士" not in n.subject for n in told)
    assert ComplaintCase.objects.get(pk=case.pk).is_open


def test_only_the_owner_closes_a_complaint_and_closing_stops_its_clock(org):
    incident = _activated(org)
    first, second = _register(org, incident, "张女士"), _register(org, incident, "李先生")
    for outsider in ("agent", "auditor"):  # not the handler, nor a lead, nor the LG
        with pytest.raises(Forbidden):
            services.complaint_case_close(case_id=first.pk, user=org[outsider], data={"outcome": "已退款"})
    services.complaint_case_close(case_id=first.pk, user=org["complaint_lead"], data={"outcome": "已退款"})
    with pytest.raises(Conflict):
        services.complaint_case_close(case_id=first.pk, user=org["gm"], data={"outcome": "again"})
    assert [t.payload["record"] for t in _pending(incident)] == [second.pk]
    assert not _pending(incident, TimerKind.COMPLAINT_CASE_REMINDER).filter(payload__record=first.pk).exists()


def test_an_extension_is_asked_by_the_owner_approved_by_the_leadership_group_and_moves_the_clock(org):
    incident = _activated(org)
    case = _register(org, incident, "张女士")
    body = {"extension_days": 10, "extension_reason": "需调取分行录音"}
    with pytest.raises(Forbidden, match="赵投诉"):  # not the complaint's owner: the reason names the handler
        services.complaint_case_extension_request(case_id=case.pk, user=org["agent"], data=body)
    services.complaint_case_extension_request(case_id=case.pk, user=org["complaint_lead"], data=body)
    with pytest.raises(Conflict):  # one request at a time
        services.complaint_case_extension_request(case_id=case.pk, user=org["complaint_lead"], data=body)
    assert _pending(incident).get().due_at == case.recorded_at + timedelta(days=15)  # not until approved
    with pytest.raises(Forbidden):  # the complaint lead is no decider
        services.complaint_case_extension_decide(
            case_id=case.pk, user=org["complaint_lead"], data={"decision": "approve"}
        )
    services.complaint_case_extension_decide(case_id=case.pk, user=org["gm"], data={"decision": "approve"})
    assert _pending(incident).get().due_at == case.recorded_at + timedelta(days=25)
    assert _pending(incident, TimerKind.COMPLAINT_CASE_REMINDER).get().due_at == case.recorded_at + timedelta(
        days=22
    )
    with pytest.raises(Conflict):  # nothing left to decide
        services.complaint_case_extension_decide(
            case_id=case.pk, user=org["gm"], data={"decision": "approve"}
        )
    # four-eyes: the decider who asked does not approve their own request
    services.complaint_case_extension_request(case_id=case.pk, user=org["gm"], data=body)
    with pytest.raises(Forbidden, match="四眼原则"):
        services.complaint_case_extension_decide(
            case_id=case.pk, user=org["gm"], data={"decision": "approve"}
        )
    services.complaint_case_extension_decide(
        case_id=case.pk, user=org["supervisor"], data={"decision": "reject", "comment": "不予延期"}
    )
    assert _pending(incident).get().due_at == case.recorded_at + timedelta(days=25)


def test_complaints_go_on_after_termination_and_block_the_close_until_the_leadership_records_why(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    case = _register(org, incident, "张女士")  # registered after termination: the clock runs
    assert _pending(incident).filter(payload__record=case.pk).exists()
    complete_investigation(org, incident)
    with pytest.raises(Conflict, match="1 笔投诉未办结"):
        move(org, "gm", incident, "close")
    with pytest.raises(Forbidden):
        services.complaint_close_waive(
            incident_id=incident.pk, user=org["complaint_lead"], data={"reason": "转分行跟进"}
        )
    services.complaint_close_waive(incident_id=incident.pk, user=org["gm"], data={"reason": "转分行跟进"})
    assert move(org, "gm", incident, "close").state == State.CLOSED
    assert not _pending(incident).exists()


def test_the_new_personal_fields_are_masked_for_readers_without_the_right(org):
    masked = masking.masked_mapping(
        "measures.ComplaintCase", {"customer": "张女士", "contact": "13812345678", "amount": "1200.50"}
    )
    assert masked == {"customer": "张**", "contact": "138****5678", "amount": "***"}


def test_an_extension_request_waits_on_the_deciders_inbox_until_decided(org, client):
    from django.urls import reverse

    incident = _activated(org)
    case = _register(org, incident, "张女士")
    services.complaint_case_extension_request(
        case_id=case.pk,
        user=org["complaint_lead"],
        data={"extension_days": 7, "extension_reason": "需调取分行录音"},
    )
    client.force_login(org["supervisor"])
    page = client.get(reverse("inbox")).content.decode()
    assert "申请延期 7 天" in page and "需调取分行录音" in page
    assert f"/measures/{incident.pk}/complaint/#case" in page
    services.complaint_case_extension_decide(case_id=case.pk, user=org["gm"], data={"decision": "approve"})
    assert "需调取分行录音" not in client.get(reverse("inbox")).content.decode()


def test_the_plan_has_no_incident_wide_15_day_line_each_complaint_is_due_from_its_own_registration(org):
    """The checklist line "投诉15日内办结…" (15 days after the activation) duplicated the complaints' own
    clocks: it is gone from the templates; an incident that already has it keeps its row."""
    import importlib

    from django.apps import apps

    from incidents.models import ChecklistItem, ChecklistTemplate, ChecklistTemplateItem

    incident = _activated(org)
    assert not ChecklistItem.objects.filter(incident=incident, code="complaint_clock").exists()
    assert ChecklistItem.objects.filter(incident=incident, code="named_handler").exists()  # other lines stay
    case = _register(org, incident, "张女士")
    assert _pending(incident).get(payload__record=case.pk).due_at == case.recorded_at + timedelta(days=15)
    # an incident activated before the change keeps its line; the template loses it
    template = ChecklistTemplate.objects.filter(plan="complaint", is_active=True).order_by("-version").first()
    line = ChecklistTemplateItem.objects.create(
        template=template,
        position=99,
        code="complaint_clock",
        title="投诉15日内办结（复杂投诉30日，延期须经批准）",
        owner_role="lead_group_lead",
        due_after_minutes=21600,
    )
    kept = ChecklistItem.objects.create(
        incident=incident,
        template_item=line,
        position=99,
        code="complaint_clock",
        title=line.title,
        owner_role="lead_group_lead",
        due_at=timezone.now() + timedelta(days=15),
    )
    migration = importlib.import_module("incidents.migrations.0006_drop_complaint_clock_template_item")
    migration.forwards(apps, None)
    assert not ChecklistTemplateItem.objects.filter(code="complaint_clock").exists()
    kept.refresh_from_db()
    assert kept.template_item is None and kept.title.startswith("投诉15日内办结")


def test_the_overdue_message_names_the_complaint_in_each_recipients_language_whoever_registered_it(org):
    """The clock keeps the title's msgid and the masked name apart: an English actor does not make the
    Chinese handler's message English, and the English leader reads it in English."""
    from django.utils import translation

    from teams.models import UserPreference

    UserPreference.objects.update_or_create(user=org["gm"], defaults={"language": "en"})
    UserPreference.objects.update_or_create(user=org["complaint_lead"], defaults={"language": "zh-hans"})
    incident = _activated(org)
    with translation.override("en"):  # registered by someone reading English
        case = _register(org, incident, "张女士")
    masked = masking.mask_value(masking.NAME, "张女士")
    for timer in Timer.objects.filter(kind=TimerKind.COMPLAINT_CASE_DUE, payload__record=case.pk):
        Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        escalation_services.timer_fire(timer_id=timer.pk)
    told = Notification.objects.filter(incident=incident, event="measure_overdue", channel="inbox")
    handler = told.get(recipient=org["complaint_lead"], timer__payload__step=1)
    assert handler.subject == f"预案措施已逾期：单笔投诉办结时限 · {masked}"
    leader = told.get(recipient=org["gm"])
    assert leader.language == "en" and leader.subject.endswith(f"Complaint due · {masked}")
    assert "张女士" not in leader.subject + leader.body
    # the incident page names the clocks in its reader's language too, the masked name as it is
    reminder = Timer.objects.get(kind=TimerKind.COMPLAINT_CASE_REMINDER, payload__record=case.pk)
    with translation.override("en"):
        assert reminder.label == f"Complaint due · {masked}"
        assert timer.label == f"Complaint due · {masked} (overdue reminder)"
    assert timer.label == f"单笔投诉办结时限 · {masked}（逾期提醒）"
