from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import errors as refusals

from . import selectors, services
from .forms import ActingLeaderForm
from .middleware import SESSION_LANGUAGE_KEY
from .models import UserPreference


@login_required
def organisation(
    request: HttpRequest, form: ActingLeaderForm | None = None, status: int = 200
) -> HttpResponse:
    actor = selectors.actor_for(request.user)
    may_appoint = not actor.is_read_only and (actor.is_leader or actor.is_deputy)
    if form is None:
        now = timezone.localtime()
        form = ActingLeaderForm(
            initial={
                "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (now + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
            }
        )
    for field in ("starts_at", "ends_at"):
        form.fields[field].widget = forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        )
    return render(
        request,
        "teams/organisation.html",
        {
            "teams": selectors.teams_with_members(),
            "parties": selectors.parties_with_people(),
            "acting": selectors.acting_periods_current_and_upcoming(),
            "may_appoint": may_appoint,
            "acting_form": form,
        },
        status=status,
    )


@login_required
@require_POST
def acting_appoint(request: HttpRequest) -> HttpResponse:
    """The leader or the deputy names an acting leader for a period (who, from, to, why)."""
    try:
        services.acting_leader_appoint(user=request.user, data=request.POST)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return organisation(request, status=403)
    except ValidationError as exc:
        form = ActingLeaderForm(request.POST)
        form.is_valid()
        for field, errors in exc.message_dict.items():
            for error in errors:
                if error not in form.errors.get(field, []):
                    form.add_error(field if field in form.fields else None, error)
        messages.error(request, refusals.invalid_fields_message())
        return organisation(request, form=form, status=400)
    messages.success(request, _("已指定代理人；代理期间其拥有相应的决策权限，四眼原则仍然适用。"))
    return redirect("teams:organisation")


@login_required
@require_POST
def acting_end(request: HttpRequest, acting_id: int) -> HttpResponse:
    try:
        services.acting_leader_end(user=request.user, acting_id=acting_id)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("代理已结束。"))
    return redirect("teams:organisation")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; for a signed-in user the choice is kept on their account."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
    request.session[SESSION_LANGUAGE_KEY] = language
    translation.activate(language)
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response
