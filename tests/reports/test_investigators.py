"""Who investigates (Art. 19), one rule: the picker offers only who may write the investigation — the
organisation's people with an account, with their roles, never an auditor (independent) — the service
refuses anyone else beside the field; and a closed case's investigation page shows what was recorded."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.errors import Invalid
from incidents.forms import InvestigateForm
from incidents.models import Incident
from tests.incidents.lifecycle import body_for
from tests.reports.builders import complete_investigation, move, person, run_to_investigation

pytestmark = pytest.mark.django_db


def test_the_investigator_picker_offers_only_who_may_investigate_with_roles_as_checkboxes(org):
    form = InvestigateForm()
    field = form.fields["investigators"]
    labels = {str(label) for _pk, label in field.choices}
    names = {p.name for p in field.queryset}
    assert "钱审计" not in names  # the auditor: independent of the investigation
    assert {"王建国", "李现场", "张接通", "周坐席"} <= names
    assert any(label.startswith("张接通（") and "组长" in label for label in labels)
    html = str(form["investigators"])
    assert 'type="checkbox"' in html and "<select" not in html
    assert field.help_text


def test_naming_the_auditor_as_investigator_is_refused_beside_the_field(org):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "再次中断", "category": "system_outage", "detected_at": timezone.now().isoformat()},
    )
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("phone_lead", "execute"),
        ("phone_lead", "request_termination"),
        ("gm", "approve_termination"),
    ):
        move(org, username, incident, name, **body_for(name))
    with pytest.raises(Invalid) as refused:
        move(org, "gm", incident, "investigate", investigators=[person("auditor").pk])
    assert "investigators" in refused.value.detail
    assert "审计人员独立于调查" in str(refused.value.detail["investigators"])
    assert Incident.objects.get(pk=incident.pk).state == "terminated"
    move(org, "gm", incident, "investigate", investigators=[person("phone_lead").pk])
    assert list(Incident.objects.get(pk=incident.pk).investigators.values_list("name", flat=True)) == [
        "张接通"
    ]


def test_a_closed_case_shows_its_investigation_read_only_with_who_and_when(org, client):
    incident = run_to_investigation(org, warned_in_advance=False)
    complete_investigation(org, incident)
    move(org, "gm", incident, "close")
    client.force_login(org["gm"])
    page = client.get(f"/reports/incidents/{incident.pk}/investigation-form/").content.decode()
    assert "<h1>调查报告" in page and "填写调查报告" not in page and "调查报告已定稿" in page
    assert "核心交换机板卡故障" in page and "交换机未做双机冗余" in page  # the findings
    assert "张接通" in page  # who recorded it (and investigated)
    assert f'href="/reports/incidents/{incident.pk}/"' in page  # the report
    assert "<form" not in page.split('id="investigation"')[1]  # nothing to fill in
