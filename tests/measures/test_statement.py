"""Art. 14-bis (3): the clarification statement goes draft → vetted by the head-office general office
(never its author) → published with channel and time; each step on the timeline (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Notification
from incidents import services as incident_services
from incidents.errors import Conflict, Forbidden, Invalid
from incidents.models import TimelineEntry
from measures import services
from measures.models import ClarificationStatement
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _activated(org):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "不实报道",
            "category": "business_dispute",
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return incident


def test_statement_is_drafted_vetted_by_head_office_then_published(org):
    incident = _activated(org)
    with pytest.raises(Forbidden):  # an agent does not speak for the bank
        services.statement_draft(incident_id=incident.pk, user=org["agent"], data={"text": "x"})
    statement = services.statement_draft(
        incident_id=incident.pk, user=org["complaint_lead"], data={"text": "经核实，报道所述扣费系误解。"}
    )
    to_vet = Notification.objects.filter(incident=incident, event="statement_to_vet")
    assert to_vet.filter(channel="inbox", recipient=org["hq_office"], needs_ack=True).exists()
    with pytest.raises(Conflict):  # not before the vetting
        services.statement_publish(
            statement_id=statement.pk, user=org["complaint_lead"], data={"channel": "官网"}
        )
    with pytest.raises(Forbidden):  # only the head-office general office vets
        services.statement_vet(statement_id=statement.pk, user=org["gm"], data={"decision": "approve"})
    with pytest.raises(Invalid) as refused:
        services.statement_vet(statement_id=statement.pk, user=org["hq_office"], data={"decision": "return"})
    assert "comment" in refused.value.detail
    services.statement_vet(
        statement_id=statement.pk, user=org["hq_office"], data={"decision": "approve", "comment": "可发布"}
    )
    with pytest.raises(Conflict):  # vetted once
        services.statement_vet(statement_id=statement.pk, user=org["hq_office"], data={"decision": "approve"})
    with pytest.raises(Invalid) as refused:
        services.statement_publish(statement_id=statement.pk, user=org["complaint_lead"], data={})
    assert "channel" in refused.value.detail
    services.statement_publish(
        statement_id=statement.pk, user=org["complaint_lead"], data={"channel": "本行官方微博"}
    )
    statement = ClarificationStatement.objects.get(pk=statement.pk)
    assert statement.status == "published" and statement.vetted_by == org["hq_office"]
    assert statement.channel == "本行官方微博" and statement.published_at is not None
    actions = list(
        TimelineEntry.objects.filter(incident=incident, action__startswith="statement_").values_list(
            "action", flat=True
        )
    )
    assert actions == ["statement_drafted", "statement_vetted", "statement_published"]


def test_the_author_cannot_vet_their_own_statement(org):
    from teams.models import Party, Person

    incident = _activated(org)
    # the complaint lead also holds the general office's seat: four-eyes still applies
    Party.objects.filter(kind="hq_general_office").update(
        person=Person.objects.get(user=org["complaint_lead"])
    )
    statement = services.statement_draft(
        incident_id=incident.pk, user=org["complaint_lead"], data={"text": "澄清"}
    )
    with pytest.raises(Forbidden, match="四眼原则"):
        services.statement_vet(
            statement_id=statement.pk, user=org["complaint_lead"], data={"decision": "approve"}
        )
