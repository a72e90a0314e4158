"""A class's results for its teacher: the per-pupil CSV, the printable report
(and its PDF), the workshop summary (page, CSV, Markdown) and erasing the
class. Owner and moderators only; erasing, the owner only."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from deliberation import charts
from deliberation.pdf import PDFUnavailable, html_to_pdf
from deliberation.selectors import contributions, results
from deliberation.selectors.debates import debate_for
from deliberation.services import privacy
from deliberation.services.common import check_moderator
from deliberation.templatetags.classroom_tags import side_label
from deliberation.views.analysis import analysis_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _moderated(request, slug):
    debate = debate_for(request.user, slug)
    check_moderator(
        request.user, debate, "Only the debate's owner and moderators may see this."
    )
    return debate


def safe_cell(value):
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_response(rows, filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d")


# --- Per-pupil results --------------------------------------------------------

CSV_HEADER = ["Pseudonym", "Side", "Team", *contributions.HEADINGS]


def class_results_csv(request, slug):
    debate = _moderated(request, slug)
    table = contributions.class_contributions(debate)
    lines = [CSV_HEADER]
    for row in table.pupils:
        m = row.membership
        lines.append([row.name, m.side, m.team, *row.cells])
    lines.append(["Total", "", "", *table.total.cells])
    return _csv_response(lines, f"{debate.slug}-results-{_stamp()}.csv")


# --- The printable report -----------------------------------------------------


def _report_context(request, debate) -> dict:
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
        context.update(analysis_context(debate, report.snapshot, request.user))
        context["snapshot"] = report.snapshot
    return context


def report(request, slug):
    debate = _moderated(request, slug)
    return render(request, "deliberation/report.html", _report_context(request, debate))


def report_pdf(request, slug):
    debate = _moderated(request, slug)
    html = render_to_string(
        "deliberation/report.html",
        {**_report_context(request, debate), "pdf": True},
        request=request,
    )
    try:
        pdf = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    except PDFUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{debate.slug}-report-{_stamp()}.pdf"'
    )
    return response


# --- The workshop summary -----------------------------------------------------


def _summary_context(debate) -> dict:
    return {
        "debate": debate,
        "summary": results.summary_for(debate),
        "contributions": contributions.class_contributions(debate),
    }


def summary(request, slug):
    debate = _moderated(request, slug)
    return render(request, "deliberation/summary.html", _summary_context(debate))


SUMMARY_HEADER = [
    "number",
    "claim",
    "agree",
    "disagree",
    "pass",
    "votes",
    "agree %",
    "disagree %",
    "supported rank",
    "contested rank",
    "consensus",
    "comments for",
    "comments neutral",
    "comments against",
]


def summary_csv(request, slug):
    debate = _moderated(request, slug)
    s = results.summary_for(debate)
    lines = [SUMMARY_HEADER]
    for r in s.claims:
        lines.append(
            [
                r.number,
                r.text,
                r.agree,
                r.disagree,
                r.passes,
                r.votes,
                r.agree_percent,
                r.disagree_percent,
                results.rank_in(s.supported, r.pk) or "",
                results.rank_in(s.contested, r.pk) or "",
                results.consensus_of(s, r.pk),
                r.comments["for"],
                r.comments["neutral"],
                r.comments["against"],
            ]
        )
    return _csv_response(lines, f"{debate.slug}-summary-{_stamp()}.csv")


def summary_markdown(request, slug):
    debate = _moderated(request, slug)
    text = render_to_string("deliberation/summary.md", _summary_context(debate))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{debate.slug}-summary-{_stamp()}.md"'
    )
    return response


# --- Erasing the class --------------------------------------------------------


def class_erase(request, slug):
    debate = debate_for(request.user, slug)
    if not request.user.has_perm("deliberation.change_debate", debate):
        raise PermissionDenied("Only the debate's owner may erase the class.")
    errors = {}
    if request.method == "POST":
        try:
            counts = privacy.class_erase(
                user=request.user,
                debate=debate,
                contributions=request.POST.get("contributions", ""),
                confirm=request.POST.get("confirm", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            kept = counts["contributions"] == privacy.KEEP
            messages.success(
                request,
                f"The class is erased: {counts['guests']} pupil account(s) and "
                f"{counts['sessions']} session(s) deleted; contributions "
                f"{'kept, by a former participant' if kept else 'deleted'}.",
            )
            return redirect("debate_detail", slug=debate.slug)
    guests = results.class_guest_count(debate)
    return render(
        request,
        "deliberation/class_erase.html",
        {
            "debate": debate,
            "guests": guests,
            "errors": errors,
            "confirm_word": privacy.CONFIRM_WORD,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )
