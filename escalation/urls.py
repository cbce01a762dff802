from django.urls import path

from . import views

app_name = "escalation"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark-read"),
]
