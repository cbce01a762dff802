"""The report as a printable HTML document and as PDF (WeasyPrint, Chinese fonts, page numbers, and the
report's own SHA-256 in the footer so that a filed copy can be checked against the record)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation


def report_html(*, report: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return render_to_string("reports/report_document.html", {"report": report, "language": language})


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
