from django.urls import path

from . import views

urlpatterns = [
    path("incidents/<int:pk>/measures/", views.MeasuresView.as_view(), name="incident-measures"),
    *[
        path(
            f"incidents/<int:pk>/measures/{write.path}/",
            views.write_view(write),
            name=f"measures-{write.name}",
        )
        for write in views.WRITES
    ],
]
