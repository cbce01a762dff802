"""The measures API (issue 14: parity with the pages). Thin: reads through ``measures.selectors``, every
write through ``measures.services`` — the same forms validate, the same refusals answer (400 field errors,
403 reason, 404, 409 with the state). One table lists every write: path, form (its fields are the request
schema), service, and what the answer carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Model
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.schema import serializer_for_form
from incidents.api.views import ERRORS, _data, _visible_incident
from incidents.forms import ChecklistDoneForm
from incidents.models import ChecklistItem
from measures import forms as measure_forms
from measures import selectors, services
from measures.models import ClarificationStatement, ComplaintCase, DisputePlan, RollCall, RollCallEntry

from . import serializers as out


class MeasuresView(APIView):
    @extend_schema(responses={200: out.MeasuresSerializer, 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        incident = _visible_incident(request, pk)
        records = selectors.complaint_records(incident=incident)
        records["roster"] = selectors.latest_roster(incident=incident)
        records["roll_call"] = selectors.roll_call_current(incident=incident)
        records["second_line"] = selectors.front_line_moves(incident=incident)
        records["after_event"] = selectors.after_event_measures(incident=incident)
        return Response(out.MeasuresSerializer(records).data)


@dataclass(frozen=True)
class Write:
    path: str
    name: str
    form: type[forms.BaseForm]
    service: Callable[..., Any]
    answer: type[serializers.Serializer]
    # an item-level write: the model whose row ``item`` names and how it reaches its incident
    item: tuple[type[Model], str, str] | None = None
    many: bool = False  # the write answers a list (several rows written at once)


WRITES = [
    Write(
        "second-line",
        "second-line",
        measure_forms.SecondLineForm,
        services.second_line_move,
        out.FrontLineMoveSerializer,
        many=True,
    ),
    Write(
        "after-event",
        "after-event",
        measure_forms.AfterEventMeasureForm,
        services.after_event_record,
        out.AfterEventMeasureSerializer,
    ),
    Write(
        "after-event/<int:item>/done",
        "after-event-done",
        ChecklistDoneForm,
        services.after_event_complete,
        out.AfterEventMeasureSerializer,
        (ChecklistItem, "incident_id", "item_id"),
    ),
    Write(
        "roster", "roster", measure_forms.RosterForm, services.roster_generate, out.RotationRosterSerializer
    ),
    Write(
        "roll-calls",
        "roll-call-start",
        measure_forms.RollCallStartForm,
        services.roll_call_start,
        out.RollCallSerializer,
    ),
    Write(
        "roll-calls/<int:item>/close",
        "roll-call-close",
        measure_forms.RollCallCloseForm,
        services.roll_call_close,
        out.RollCallSerializer,
        (RollCall, "incident_id", "roll_call_id"),
    ),
    Write(
        "roll-call-entries/<int:item>/mark",
        "roll-call-mark",
        measure_forms.RollCallMarkForm,
        services.roll_call_mark,
        out.RollCallEntrySerializer,
        (RollCallEntry, "roll_call__incident_id", "entry_id"),
    ),
    Write(
        "media-reports",
        "media-report",
        measure_forms.MediaReportForm,
        services.media_report_log,
        out.MediaReportSerializer,
    ),
    Write(
        "assessments",
        "assessment",
        measure_forms.ReputationAssessmentForm,
        services.reputation_assess,
        out.ReputationAssessmentSerializer,
    ),
    Write(
        "dispute-plans",
        "dispute-plan",
        measure_forms.DisputePlanForm,
        services.dispute_plan_propose,
        out.DisputePlanSerializer,
    ),
    Write(
        "dispute-plans/<int:item>/decide",
        "dispute-plan-decide",
        measure_forms.DecisionForm,
        services.dispute_plan_decide,
        out.DisputePlanSerializer,
        (DisputePlan, "incident_id", "plan_id"),
    ),
    Write(
        "dispute-plans/<int:item>/done",
        "dispute-plan-done",
        measure_forms.DisputePlanDoneForm,
        services.dispute_plan_complete,
        out.DisputePlanSerializer,
        (DisputePlan, "incident_id", "plan_id"),
    ),
    Write(
        "legal-referrals",
        "legal-referral",
        measure_forms.LegalReferralForm,
        services.legal_referral_record,
        out.LegalReferralSerializer,
    ),
    Write(
        "complaint-cases",
        "complaint-case",
        measure_forms.ComplaintCaseForm,
        services.complaint_case_assign,
        out.ComplaintCaseSerializer,
    ),
    Write(
        "complaint-cases/<int:item>/escalate",
        "complaint-case-escalate",
        measure_forms.EscalationForm,
        services.complaint_case_escalate,
        out.ComplaintCaseSerializer,
        (ComplaintCase, "incident_id", "case_id"),
    ),
    Write("remedies", "remedy", measure_forms.RemedyForm, services.remedy_record, out.RemedySerializer),
    Write(
        "complaint-cases/<int:item>/close",
        "complaint-case-close",
        measure_forms.CaseCloseForm,
        services.complaint_case_close,
        out.ComplaintCaseSerializer,
        (ComplaintCase, "incident_id", "case_id"),
    ),
    Write(
        "complaint-cases/<int:item>/extension",
        "complaint-case-extension",
        measure_forms.ExtensionRequestForm,
        services.complaint_case_extension_request,
        out.ComplaintCaseSerializer,
        (ComplaintCase, "incident_id", "case_id"),
    ),
    Write(
        "complaint-cases/<int:item>/extension/decide",
        "complaint-case-extension-decide",
        measure_forms.DecisionForm,
        services.complaint_case_extension_decide,
        out.ComplaintCaseSerializer,
        (ComplaintCase, "incident_id", "case_id"),
    ),
    Write(
        "complaint-close-waiver",
        "complaint-close-waiver",
        measure_forms.CloseWaiverForm,
        services.complaint_close_waive,
        out.ComplaintCloseWaiverSerializer,
    ),
    Write(
        "statements",
        "statement",
        measure_forms.StatementDraftForm,
        services.statement_draft,
        out.ClarificationStatementSerializer,
    ),
    Write(
        "statements/<int:item>/vet",
        "statement-vet",
        measure_forms.StatementVetForm,
        services.statement_vet,
        out.ClarificationStatementSerializer,
        (ClarificationStatement, "incident_id", "statement_id"),
    ),
    Write(
        "statements/<int:item>/publish",
        "statement-publish",
        measure_forms.StatementPublishForm,
        services.statement_publish,
        out.ClarificationStatementSerializer,
        (ClarificationStatement, "incident_id", "statement_id"),
    ),
]


def write_view(write: Write) -> Callable[..., Any]:
    name = "".join(part.title() for part in write.name.split("-")) + "Input"
    request_schema = serializer_for_form(write.form, name)  # type: ignore[arg-type]  # a ModelForm too

    class WriteView(APIView):
        @extend_schema(
            operation_id=f"measures_{write.name.replace('-', '_')}",
            request=request_schema,
            responses={200: write.answer(many=True) if write.many else write.answer, **ERRORS},
        )
        def post(self, request: Request, pk: int, item: int | None = None) -> Response:
            _visible_incident(request, pk)
            data = _data(request)
            if write.item is None:
                result = write.service(incident_id=pk, user=request.user, data=data)
            else:
                model, to_incident, keyword = write.item
                if not model._default_manager.filter(pk=item, **{to_incident: pk}).exists():
                    raise Http404
                result = write.service(**{keyword: item}, user=request.user, data=data)
            return Response(write.answer(result, many=write.many).data)

    WriteView.__name__ = WriteView.__qualname__ = f"Measures{write.name.title().replace('-', '')}View"
    return WriteView.as_view()
