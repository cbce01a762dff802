from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("incidents/<int:incident_id>/", views.report_page, name="report"),
    path("incidents/<int:incident_id>.pdf", views.report_pdf, name="report-pdf"),
    path("incidents/<int:incident_id>/investigation-form/", views.investigation_page, name="investigation"),
    path(
        "incidents/<int:incident_id>/<str:part>/",
        views.investigation_submit,
        name="investigation-submit",
    ),
    path("actions/<int:action_id>/progress/", views.action_progress, name="action-progress"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("export/<str:kind>.csv", views.export_csv, name="export"),
]
