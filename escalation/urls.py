from django.urls import path

from . import views

app_name = "escalation"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark-read"),
    path("inbox/<int:pk>/ack/", views.acknowledge, name="ack"),
    path("ack/<str:token>/", views.ack_link, name="ack-link"),
    path("incidents/<int:incident_id>/messages/", views.incident_messages, name="incident-messages"),
]
