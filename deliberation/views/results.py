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

from claims.formats.csv_claims import safe_cell
from deliberation.models import ReportJob
from deliberation.reports import report_context
from deliberation.selectors import contributions, results
from deliberation.selectors.debates import debate_for
from deliberation.services import privacy, reports
from deliberation.services.common import check_moderator


def _moderated(request, slug):
    debate = debate_for(request.user, slug)
    check_moderator(
        request.user, debate, "Only the debate's owner and moderators may see this."
    )
    return debate


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


def report(request, slug):
    debate = _moderated(request, slug)
    return render(request, "deliberation/report.html", report_context(debate))


def report_pdf(request, slug):
    """The report's PDF when it is made for the debate as it is now; else its
    page, which makes it (in the background) and shows how far it got."""
    debate = _moderated(request, slug)
    job = results.report_job_current(debate)
    if job is None or job.status != ReportJob.Status.DONE:
        return redirect("debate_report_pdf_job", slug=debate.slug)
    response = HttpResponse(results.report_job_pdf(job), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{debate.slug}-report-{job.finished_at:%Y%m%d}.pdf"'
    )
    return response


def report_pdf_job(request, slug):
    """Making the PDF: POST asks for it (the same job while the debate has not
    changed); the page refreshes itself until it is done."""
    debate = _moderated(request, slug)
    if request.method == "POST":
        reports.report_job_start(user=request.user, debate=debate)
        return redirect("debate_report_pdf_job", slug=debate.slug)
    job = results.report_job_current(debate)
    return render(
        request,
        "deliberation/report_pdf.html",
        {"debate": debate, "job": job, "in_progress": job and job.in_progress},
    )


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
