from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("board/", views.board_partial, name="board-partial"),
    path("incidents/", views.incident_list, name="incident-find"),
    path("incidents/new/", views.declare, name="declare"),
    path("incidents/<int:incident_id>/", views.incident_page, name="incident"),
    path("incidents/<int:incident_id>/do/<str:name>/", views.transition, name="transition"),
    path("incidents/<int:incident_id>/updates/", views.update_add, name="update-add"),
    path("incidents/<int:incident_id>/regulator/", views.regulator_decision, name="regulator-decision"),
    path(
        "incidents/<int:incident_id>/regulator/<int:deadline_id>/<str:action>/",
        views.regulator_deadline_action,
        name="regulator-deadline",
    ),
    path("incidents/<int:incident_id>/event-start/", views.event_start, name="event-start"),
    path("incidents/<int:incident_id>/kind/", views.kind, name="kind-correct"),
    path("checklist/<int:item_id>/done/", views.checklist_done, name="checklist-done"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:incident_id>/<str:name>/", views.inbox_decide, name="inbox-decide"),
    path("help/", views.help_page, name="help"),
]
