"""The printable report of a debate as a document: what its template shows
(the page and the PDF alike) and its PDF, made without a request (a worker
makes it: deliberation/services/reports.py)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import timezone

from deliberation import charts
from deliberation.pdf import html_to_pdf
from deliberation.selectors import contributions, results
from deliberation.templatetags.classroom_tags import side_label
from deliberation.views.analysis import analysis_context


def report_context(debate) -> dict:
    """What the report's template shows (the page and the PDF alike)."""
    report = results.report_for(debate)
    thesis_chart = charts.stacked_bars(
        [
            (
                t.number + ". " + t.text[:20] + ("…" if len(t.text) > 20 else ""),
                [
                    ("agree", t.tally.agree),
                    ("disagree", t.tally.disagree),
                    ("pass", t.tally.passes),
                ],
            )
            for t in report.theses
        ]
    )
    sides = report.contributions.sides
    side_chart = charts.stacked_bars(
        [
            (
                side_label(s.side),
                [
                    (contributions.KINDS[kind].lower(), getattr(s, kind))
                    for kind in contributions.WRITTEN
                ],
            )
            for s in sides
        ],
        scale_to=max((s.contributions for s in sides), default=0),
    )
    context = {
        "debate": debate,
        "report": report,
        "thesis_chart": thesis_chart,
        "side_chart": side_chart,
        "generated": timezone.now(),
    }
    if report.snapshot is not None:
        # The report is for the debate's moderators (the page checks, the PDF
        # is made for them): its groups are as the owner sees them.
        viewer = debate.owner or AnonymousUser()
        context.update(analysis_context(debate, report.snapshot, viewer))
        context["snapshot"] = report.snapshot
    return context


def report_pdf(debate, *, progress=lambda percent, message: None) -> bytes:
    """The report as a PDF; ``progress(percent, message)`` is told each step.
    Raises PDFUnavailable when WeasyPrint cannot be loaded here."""
    progress(20, "Reading the debate.")
    context = {**report_context(debate), "pdf": True}
    progress(40, "Laying out the pages.")
    html = render_to_string("deliberation/report.html", context)
    progress(60, "Drawing the PDF.")
    # Static files are read from disk (pdf.local_fetcher); the base only
    # makes the template's addresses absolute.
    return html_to_pdf(html, base_url=settings.SITE_URL.rstrip("/") + "/")
