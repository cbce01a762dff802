from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.InboxView.as_view(), name="notification-inbox"),
    path("notifications/<int:pk>/read/", views.MarkReadView.as_view(), name="notification-read"),
]
