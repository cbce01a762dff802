from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("reads/", views.read_log, name="read-log"),
    path("reads.csv", views.read_log_csv, name="read-log-export"),
]
