from django.urls import path

from . import views

urlpatterns = [
    path("incidents/<int:pk>/report/", views.ReportView.as_view(), name="report-json"),
    path("incidents/<int:pk>/report.pdf", views.ReportPdfView.as_view(), name="report-pdf-api"),
    path("incidents/<int:pk>/investigation/", views.InvestigationView.as_view(), name="investigation"),
    path(
        "incidents/<int:pk>/investigation/responsible/",
        views.ResponsiblePersonView.as_view(),
        name="investigation-responsible",
    ),
    path(
        "incidents/<int:pk>/investigation/actions/",
        views.CorrectiveActionView.as_view(),
        name="investigation-actions",
    ),
    path("incidents/<int:pk>/drill/", views.DrillRecordView.as_view(), name="drill-record"),
    path(
        "investigation-actions/<int:action_id>/",
        views.CorrectiveActionProgressView.as_view(),
        name="investigation-action",
    ),
]
