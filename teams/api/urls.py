from django.urls import path

from . import views

urlpatterns = [path("people/", views.PeopleView.as_view(), name="people")]
