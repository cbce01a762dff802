from django.urls import path

from incidents.forms import TRANSITION_NAMES

from . import views

urlpatterns = [
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    *[
        path(f"incidents/<int:pk>/transitions/{name}/", views.transition_view(name), name=f"incident-{name}")
        for name in TRANSITION_NAMES
    ],
    path("incidents/<int:pk>/transitions/<str:name>/", views.UnknownTransitionView.as_view()),
    path("incidents/<int:pk>/timeline/", views.TimelineView.as_view(), name="incident-timeline"),
    path("incidents/<int:pk>/updates/", views.ProgressUpdateView.as_view(), name="incident-updates"),
    path("incidents/<int:pk>/attachments/", views.AttachmentView.as_view(), name="incident-attachments"),
    path("incidents/<int:pk>/checklist/", views.ChecklistView.as_view(), name="incident-checklist"),
    path(
        "incidents/<int:pk>/checklist/<int:item_id>/done/",
        views.ChecklistDoneView.as_view(),
        name="incident-checklist-done",
    ),
    path(
        "incidents/<int:pk>/regulator-decision/",
        views.RegulatorDecisionView.as_view(),
        name="incident-regulator-decision",
    ),
    path(
        "incidents/<int:pk>/regulator-deadlines/",
        views.RegulatorDeadlineListView.as_view(),
        name="incident-regulator-deadlines",
    ),
    path(
        "incidents/<int:pk>/regulator-deadlines/<int:deadline_id>/submission/",
        views.RegulatorSubmissionView.as_view(),
        name="incident-regulator-submission",
    ),
    path(
        "incidents/<int:pk>/regulator-deadlines/<int:deadline_id>/waiver/",
        views.RegulatorWaiverView.as_view(),
        name="incident-regulator-waiver",
    ),
    path(
        "incidents/<int:pk>/regulator-deadlines/<int:deadline_id>/waiver/approve/",
        views.RegulatorWaiverApproveView.as_view(),
        name="incident-regulator-waiver-approve",
    ),
    path("incidents/<int:pk>/event-start/", views.EventStartView.as_view(), name="incident-event-start"),
    path("incidents/<int:pk>/kind/", views.KindView.as_view(), name="incident-kind"),
]
