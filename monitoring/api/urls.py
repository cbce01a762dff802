from django.urls import path

from . import views

urlpatterns = [
    path("intervals/", views.IntervalFiguresView.as_view(), name="monitoring-intervals"),
    path("system-events/", views.SystemEventsView.as_view(), name="monitoring-system-events"),
]
