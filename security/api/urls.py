from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("ping/", views.PingView.as_view(), name="api-ping"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
