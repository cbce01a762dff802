"""How a page shows what a service refused — written once for every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .errors import (
    Conflict,
    Forbidden,
    IncidentError,
    IncidentNotFound,
    Invalid,
    SecondFactorRequired,
    UnknownTransition,
)


def field_messages(exc: IncidentError) -> list[str]:
    """The field messages of a refusal (``detail`` maps fields to lists of messages or plain strings)."""
    details = exc.detail if isinstance(exc.detail, dict) else {}
    return [
        (item.get("message", "") if isinstance(item, dict) else str(item))
        for items in details.values()
        for item in (items if isinstance(items, list | tuple) else [items])
    ]


def refusal_text(exc: IncidentError) -> str:
    """The refusal and its field messages as one line."""
    return "；".join([exc.message, *(m for m in field_messages(exc) if m)])


def refusal_line(exc: IncidentError) -> str:
    """A refusal of the services as one line in the user's language: 409 "someone acted first", 403 a
    refusal, 400 the message with its field messages."""
    if isinstance(exc, Conflict):
        return _("有人已先一步处理，或状态已变化：%(reason)s") % {"reason": exc.message}
    if isinstance(exc, Forbidden):
        return _("操作被拒绝：%(reason)s") % {"reason": exc.message}
    return refusal_text(exc) if isinstance(exc, Invalid) else exc.message


def refusal_message(request: HttpRequest, exc: IncidentError) -> None:
    """Put a refusal of the services on the page as a message in the user's language: 409 "someone acted
    first", 403 a refusal, 400 the message (the form shows the fields, see ``bind_errors``)."""
    if isinstance(exc, Conflict):
        messages.warning(request, _("有人已先一步处理，或状态已变化：%(reason)s") % {"reason": exc.message})
    elif isinstance(exc, Forbidden):
        messages.error(request, _("操作被拒绝：%(reason)s") % {"reason": exc.message})
    else:
        messages.error(request, exc.message)


@dataclass
class PageOutcome:
    """What ``run_for_page`` saw: the service's result, or the ``Invalid`` it raised, or another refusal."""

    result: Any = None
    invalid: Invalid | None = None
    refusal: IncidentError | None = None

    @property
    def needs_second_factor(self) -> bool:
        return isinstance(self.refusal, SecondFactorRequired)


def run_for_page(
    request: HttpRequest,
    write: Callable[[], Any],
    success: str | Callable[[Any], str] = "",
    *,
    form: forms.BaseForm | None = None,
    quiet: bool = False,
) -> PageOutcome:
    """Run a service for a page — the one way every page writes — and put its outcome on the page: the
    success message, or the refusal (``refusal_message``); a missing incident or transition is a 404. Field
    errors go onto ``form`` when the page shows one (``bind_errors``), else into the message. ``quiet``: no
    message at all — the page shows the outcome where it happened (``refusal_line``), e.g. beside a
    roll-call row."""
    try:
        result = write()
    except (IncidentNotFound, UnknownTransition) as exc:
        raise Http404(exc.message) from exc
    except Invalid as exc:
        if quiet:
            return PageOutcome(invalid=exc)
        if form is not None:
            bind_errors(form, exc)
        messages.error(request, exc.message if form is not None else refusal_text(exc))
        return PageOutcome(invalid=exc)
    except IncidentError as exc:
        if not quiet:
            refusal_message(request, exc)
        return PageOutcome(refusal=exc)
    if success:
        messages.success(request, success(result) if callable(success) else success)
    return PageOutcome(result=result)


def form_page(
    request: HttpRequest,
    write: Callable[[], Any],
    success: str | Callable[[Any], str],
    *,
    form: forms.BaseForm,
    done: str | Callable[[Any], str],
    page: Callable[[int], HttpResponse],
    refused: Callable[[PageOutcome], HttpResponse | None] | None = None,
) -> HttpResponse:
    """A page's form POSTed: run the service (``run_for_page``) and redirect to ``done`` (a URL, or made from
    the service's result) when it wrote; when it refused the fields, bind its errors beside them on ``form``
    (what was typed kept) and answer ``page(400)`` — the page rendered again with that form. Any other
    refusal (403, 409, ...) is a message on the page and the redirect, unless ``refused`` answers it itself
    (e.g. a 403 page, "someone decided first"); with no result to make ``done`` from, the page itself
    answers with the refusal's status and its message."""
    outcome = run_for_page(request, write, success, form=form)
    if outcome.invalid is not None:
        return page(400)
    if outcome.refusal is not None and refused is not None:
        answer = refused(outcome)
        if answer is not None:
            return answer
    if outcome.refusal is not None and callable(done):
        return page(outcome.refusal.status)
    return redirect(done(outcome.result) if callable(done) else done)


def bind_errors(form: forms.BaseForm, exc: Invalid) -> None:
    """Show the service's field errors on the form the page rendered (same form class, same messages)."""
    form.is_valid()
    for field, errors in (exc.detail or {}).items():
        target = field if field in form.fields else None
        for error in errors:
            message = error.get("message", "") if isinstance(error, dict) else str(error)
            if message and message not in form.errors.get(target or "__all__", []):
                form.add_error(target, message)


def dress(form: forms.BaseForm) -> forms.BaseForm:
    """Browser-friendly widgets for the shared forms: native date-time pickers, and error hints for
    assistive technology."""
    for name, field in form.fields.items():
        if isinstance(field, forms.DateTimeField):
            field.widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        if form.is_bound and name in form.errors:
            field.widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{form.add_prefix(name)}-errors"}
            )
    return form
