"""Open measures once the plan has stopped running (``states.PLAN_RUNNING_STATES``): no live countdown on a
finished case — "终止时未完成" after the termination, "结案时未完成" after the close — and closing with open
measures warns (as the termination request does), without blocking."""

from __future__ import annotations

import pytest
from django.utils import translation

from incidents import pages
from tests.reports.builders import complete_investigation, move, run_to_investigation

pytestmark = pytest.mark.django_db


def _checklist(page: str) -> str:
    return page.split('id="checklist"')[1].split("</section>")[0]


def test_open_measures_after_the_plan_show_not_done_without_a_countdown_and_closing_warns(org, client):
    incident = run_to_investigation(org, warned_in_advance=False)
    assert incident.checklist.open().exists()
    client.force_login(org["gm"])

    checklist = _checklist(client.get(f"/incidents/{incident.pk}/").content.decode())
    assert "终止时未完成" in checklist and "data-due" not in checklist

    complete_investigation(org, incident)
    close = client.get(f"/incidents/{incident.pk}/do/close/").content.decode()
    open_count = incident.checklist.open().count()
    assert f"还有 {open_count} 项预案措施未完成" in close and "仍可结案" in close
    assert 'type="submit"' in close  # a warning, not a block
    move(org, "gm", incident, "close")

    checklist = _checklist(client.get(f"/incidents/{incident.pk}/").content.decode())
    assert checklist.count("结案时未完成") == open_count and "data-due" not in checklist
    assert "剩余" not in checklist


def test_the_not_done_labels_in_english():
    from types import SimpleNamespace

    with translation.override("en"):
        for state in ("terminated", "investigating"):
            assert pages.measures_stopped_label(SimpleNamespace(state=state)) == "Not done at termination"
        assert pages.measures_stopped_label(SimpleNamespace(state="closed")) == "Not done when closed"
        for state in ("activated", "executing", "termination_requested", "reported"):
            assert pages.measures_stopped_label(SimpleNamespace(state=state)) == ""
