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


def report_pdf_of(*, incident: Any, language: str) -> tuple[bytes, str]:
    """The PDF for filing and its report hash: a closed case prints the frozen report stored at ``close``,
    an open one a draft from the record. One function for the page and the API."""
    from . import post_incident
    from .models import FinalReport

    final = FinalReport.objects.filter(incident=incident).first()
    if final is not None:
        return pdf_from_html(final.html_en if language == "en" else final.html_zh), final.sha256
    report = post_incident.report_for(incident=incident)
    return pdf_from_html(report_html(report=report, language=language)), report["sha256"]
