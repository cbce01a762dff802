"""Marking people on the roll call (browser walk): a mark adds no flash message — eight marks used to pile up
eight green "已确认。" banners; the row itself shows the new status, updated in place by htmx. A refusal is
shown beside the person's row, not as a banner."""

from __future__ import annotations

import re

import pytest

from measures.models import RollCallEntry
from tests.measures.helpers import fire_with_roll_call

pytestmark = pytest.mark.django_db


def _fire(org):
    incident, roll_call = fire_with_roll_call(org)
    return incident, list(roll_call.entries.order_by("pk"))


def _row(html: str, entry_id: int) -> str:
    match = re.search(rf'<tr class="[^"]*" data-person="[^"]*" id="entry-{entry_id}">.*?</tr>', html, re.S)
    assert match, f"no row for entry {entry_id}"
    return match.group(0)


def test_marks_add_no_pile_of_messages(client, org):
    incident, entries = _fire(org)
    client.force_login(org["supervisor"])
    url = f"/measures/{incident.pk}/roll-call/"
    assert len(entries) >= 8
    for index, entry in enumerate(entries[:8]):
        mark = f"{url}entries/{entry.pk}/"
        status = "missing" if index == 0 else "safe"
        if index % 2:  # htmx (the page's buttons) and without JavaScript alike
            response = client.post(mark, {"status": status}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200
            assert _row(response.content.decode(), entry.pk).count("mark-safe current") == 1  # in place
        else:
            response = client.post(mark, {"status": status})
            assert response.status_code == 302 and response["Location"].endswith(f"#entry-{entry.pk}")
    page = client.get(url).content.decode()
    assert 'class="messages"' not in page and "已确认。" not in page
    assert RollCallEntry.objects.filter(pk__in=[e.pk for e in entries[:8]], status="safe").count() == 7
    assert _row(page, entries[1].pk).startswith('<tr class="status-safe"')
    assert _row(page, entries[0].pk).startswith('<tr class="status-missing"')


def test_a_refused_mark_is_shown_beside_its_row(client, org):
    incident, entries = _fire(org)
    client.force_login(org["supervisor"])
    mark = f"/measures/{incident.pk}/roll-call/entries/{entries[2].pk}/"
    response = client.post(mark, {"status": "nonsense"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps it in
    html = response.content.decode()
    assert 'class="field-error row-error" role="alert"' in _row(html, entries[2].pk)
    assert "row-error" not in _row(html, entries[3].pk)
    # without JavaScript: the page again, the error beside the row, no banner
    response = client.post(mark, {"status": "nonsense"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "row-error" in _row(page, entries[2].pk) and 'class="messages"' not in page
    assert 'class="messages"' not in client.get(f"/measures/{incident.pk}/roll-call/").content.decode()


def test_rows_keep_their_place_while_people_are_marked(client, org):
    """The list is swapped after every mark and on each refresh. If marking someone moved rows (unconfirmed
    first, say), the next tap — the marker's or a colleague's on another phone — would land on another
    name. The order is fixed for the whole roll call; who still needs finding stands out by colour."""
    incident, entries = _fire(org)
    client.force_login(org["supervisor"])
    url = f"/measures/{incident.pk}/roll-call/"

    def order() -> list[str]:
        return re.findall(
            r'<tr class="[^"]*" data-person="[^"]*" id="entry-(\d+)">', client.get(url).content.decode()
        )

    before = order()
    assert len(before) == len(entries) >= 4
    for position, status in ((len(before) - 1, "safe"), (1, "missing"), (2, "absent")):
        client.post(f"{url}entries/{before[position]}/", {"status": status}, HTTP_HX_REQUEST="true")
        assert order() == before
