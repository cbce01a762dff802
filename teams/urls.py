from django.urls import path

from . import views

app_name = "teams"
urlpatterns = [
    path("", views.organisation, name="organisation"),
    path("acting/", views.acting_appoint, name="acting-appoint"),
    path("acting/<int:acting_id>/end/", views.acting_end, name="acting-end"),
]
