from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("<int:incident_id>/roster/", views.roster, name="roster"),
    path("<int:incident_id>/roster/second-line/", views.second_line_move, name="second_line_move"),
    path("<int:incident_id>/after-event/", views.after_event, name="after_event"),
    path(
        "<int:incident_id>/after-event/<int:item_id>/done/",
        views.after_event_complete,
        name="after_event_done",
    ),
    path("<int:incident_id>/roll-call/", views.roll_call, name="roll_call"),
    path("<int:incident_id>/roll-call/live/", views.roll_call_partial, name="roll_call_live"),
    path("<int:incident_id>/roll-call/entries/<int:entry_id>/", views.roll_call_mark, name="roll_call_mark"),
    path(
        "<int:incident_id>/roll-call/<int:roll_call_id>/close/", views.roll_call_close, name="roll_call_close"
    ),
    path("<int:incident_id>/complaint/", views.complaint, name="complaint"),
    path("<int:incident_id>/complaint/reveal/", views.complaint_reveal, name="complaint_reveal"),
    path("<int:incident_id>/complaint/<str:kind>/", views.complaint, name="complaint_write"),
    path(
        "<int:incident_id>/dispute-plans/<int:plan_id>/decide/",
        views.dispute_plan_decide,
        name="dispute_decide",
    ),
    path(
        "<int:incident_id>/cases/<int:case_id>/escalate/", views.complaint_case_escalate, name="case_escalate"
    ),
    path("<int:incident_id>/cases/<int:case_id>/<str:action>/", views.complaint_case_act, name="case_act"),
    path("<int:incident_id>/dispute-plans/<int:plan_id>/done/", views.dispute_plan_done, name="dispute_done"),
    path("<int:incident_id>/statements/<int:statement_id>/vet/", views.statement_vet, name="statement_vet"),
    path(
        "<int:incident_id>/statements/<int:statement_id>/publish/",
        views.statement_publish,
        name="statement_publish",
    ),
]
