from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ops import views as ops_views
from teams import views as team_views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("security.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("escalation.api.urls")),
    path("monitoring/", include("monitoring.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("measures.api.urls")),
]

urlpatterns = [
    path("", include("incidents.urls")),
    path("org/", include("teams.urls")),
    path("escalation/", include("escalation.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("reports/", include("reports.urls")),
    path("measures/", include("measures.urls")),
    path("ops/", include("ops.urls")),
    path("security/", include("security.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", team_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the docs run under the strict CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
]

handler404 = "security.api.errors.not_found"
handler500 = "ops.failover.server_error"  # a database switch → 503, else security's 500
