"""Who read what (issue 16): the reads worth recording are named here by URL name, in one place, and
recorded by one middleware for pages and API alike — a view added later is covered by adding its name.
Revealing a masked field is recorded by ``security.masking`` with the reader's reason."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import services
from .models import ReadRecord

Kind = ReadRecord.Kind

# URL name (namespace:name as Django resolves it) → what kind of read it is.
RECORDED_READS: dict[str, str] = {
    "incident": Kind.INCIDENT,  # the incident page
    "incident-detail": Kind.INCIDENT,  # GET /api/v1/incidents/<pk>/
    "incident-timeline": Kind.INCIDENT,
    "reports:report": Kind.REPORT,
    "report-json": Kind.REPORT,
    "investigation": Kind.REPORT,
    "reports:report-pdf": Kind.PDF,
    "reports:export": Kind.EXPORT,
    "security:read-log-export": Kind.EXPORT,
    "measures:complaint": Kind.COMPLAINT,
}
READ_METHODS = ("GET", "HEAD")


class ReadLogMiddleware:
    """After a successful read of a recorded URL, one ``ReadRecord`` row: who (the session's or the API
    token's user), when, what (the URL name and its arguments), from where."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and response.status_code == 200
            and request.method in READ_METHODS
            and match.view_name in RECORDED_READS
        ):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                kwargs = dict(match.kwargs)
                incident_id = kwargs.pop("incident_id", None) or kwargs.pop("pk", None)
                details = " ".join(f"{key}={value}" for key, value in sorted(kwargs.items()))
                services.read_record(
                    request=request,
                    user=user,
                    kind=RECORDED_READS[match.view_name],
                    incident_id=incident_id,
                    target=f"{match.view_name} {details}".strip(),
                )
        return response
