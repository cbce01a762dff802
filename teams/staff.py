"""The staff directory (issue 13): every agent and employee of the centre, apart from the emergency
organisation. Imported from CSV (columns as ``Person``: ``employee_no,name,phone,email,line,skills`` and an
optional ``active``); matched on the employee number, so a re-import updates. Being in the directory grants
no rights: the roster and the roll call count these people, nothing else does."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Person

COLUMNS = ("employee_no", "name", "phone", "email", "line", "skills")
TRUE = {"1", "true", "yes", "y", "是", "在岗", ""}


@dataclass
class StaffImport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _row_errors(number: int, row: dict[str, str]) -> list[str]:
    errors = []
    if not row.get("employee_no"):
        errors.append(_("第 %(n)d 行：缺少工号。") % {"n": number})
    if not row.get("name"):
        errors.append(_("第 %(n)d 行：缺少姓名。") % {"n": number})
    if row.get("line", "first") not in Person.Line.values:
        errors.append(_("第 %(n)d 行：一线/二线须为 first 或 second。") % {"n": number})
    if row.get("email"):
        try:
            validate_email(row["email"])
        except ValidationError:
            errors.append(_("第 %(n)d 行：电子邮件格式不正确。") % {"n": number})
    return errors


@transaction.atomic
def staff_import_csv(*, text: str) -> StaffImport:
    """Import (or update) the directory from CSV text; all or nothing, every bad line named."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [column for column in ("employee_no", "name") if column not in (reader.fieldnames or [])]
    if missing:
        return StaffImport(errors=[_("缺少列：%(cols)s") % {"cols": ", ".join(missing)}])
    result = StaffImport()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        row = {key: (raw.get(key) or "").strip() for key in (*COLUMNS, "active")}
        row["line"] = row["line"] or "first"
        errors = _row_errors(number, row)
        if row["employee_no"] in seen:
            errors.append(_("第 %(n)d 行：工号重复。") % {"n": number})
        seen.add(row["employee_no"])
        result.errors += errors
        rows.append(row)
    if result.errors:
        return result
    existing = {p.employee_no: p for p in Person.objects.filter(employee_no__in=seen)}
    for row in rows:
        values = {
            "name": row["name"],
            "phone": row["phone"],
            "email": row["email"],
            "line": row["line"],
            "skills": row["skills"],
            "is_active": row["active"].lower() in TRUE,
            "in_directory": True,
        }
        person = existing.get(row["employee_no"])
        if person is None:
            Person.objects.create(employee_no=row["employee_no"], **values)
            result.created += 1
        else:
            for name, value in values.items():
                setattr(person, name, value)
            person.save()
            result.updated += 1
    return result
