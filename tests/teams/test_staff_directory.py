"""The staff directory (issue 13): every employee of the centre, imported from CSV, counted by the roster
and the roll call, with no rights at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents import policies
from incidents import services as incident_services
from measures import services as measure_services
from teams import selectors
from teams.models import Person
from teams.staff import staff_import_csv

pytestmark = pytest.mark.django_db

CSV = """employee_no,name,phone,email,line,skills
E1001,何一线,13900000001,he@bank.example,first,"普通话,信用卡"
E1002,吕二线,13900000002,,second,质检
E1003,施夜班,13900000003,,first,
"""


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_import_names_every_bad_line_and_imports_nothing_then_all(org):
    bad = CSV.replace("E1002,吕二线", "E1001,吕二线").replace(",second,", ",third,")
    result = staff_import_csv(text=bad)
    assert any("第 3 行" in e and "工号重复" in e for e in result.errors)
    assert any("第 3 行" in e and "一线/二线" in e for e in result.errors)
    assert not Person.objects.filter(in_directory=True).exists()
    result = staff_import_csv(text=CSV)
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    again = staff_import_csv(text=CSV.replace("13900000003", "13900000033") + "E1004,陶新人,,,first,\n")
    assert (again.created, again.updated) == (1, 3)
    assert Person.objects.get(employee_no="E1003").phone == "13900000033"


def test_command_refuses_a_bad_file(org, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("name,phone\n张三,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="employee_no"):
        call_command("import_staff", str(path))


def test_directory_people_are_counted_by_roll_call_and_roster_but_hold_no_rights(org):
    staff_import_csv(text=CSV)
    everyone = set(selectors.all_staff().values_list("name", flat=True))
    assert {"何一线", "吕二线", "施夜班", "李现场", "陈一"} <= everyone
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "火情", "category": "disaster", "detected_at": timezone.now() - timedelta(minutes=1)},
    )
    roll_call = measure_services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "东侧广场"}
    )
    names = set(roll_call.entries.values_list("person__name", flat=True))
    assert {"何一线", "吕二线", "施夜班"} <= names
    entry = roll_call.entries.get(person__name="施夜班")
    assert entry.person.phone == "13900000003"
    # an employee who can sign in is still no one in the plan
    user = get_user_model().objects.create_user("he", password="x-123456789")
    Person.objects.filter(employee_no="E1001").update(user=user)
    user = get_user_model().objects.get(pk=user.pk)
    assert not policies.may_declare(user)
    assert not policies.may_act_on(incident, user)
