from django.urls import path

from . import views

app_name = "ops"
urlpatterns = [
    path("pack/", views.pack_page, name="pack"),
    path("pack/download/", views.pack_download, name="pack_download"),
]
