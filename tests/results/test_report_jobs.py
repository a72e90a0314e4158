"""The report's PDF made in the background: one job per debate version (asked
again, the same job; the PDF kept until the debate changes), its page showing
the progress, a redelivered or cut-off run handled, moderators only."""

import pytest

from deliberation.models import ReportJob, Vote
from deliberation.selectors.results import report_version
from deliberation.services.reports import report_job_run, report_job_start
from tests.factories import MembershipFactory, UserFactory, make_claim
from tests.results.helpers import make_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """Each render's progress as the job's row saw it; a small fake PDF."""
    seen = []

    def fake(debate, *, progress):
        for percent, message in ((20, "Reading the debate."), (60, "Drawing.")):
            progress(percent, message)
            job = ReportJob.objects.defer("pdf").get(debate=debate)
            seen.append((job.status, job.progress, job.message))
        return b"%PDF-fake " + debate.slug.encode()

    monkeypatch.setattr("deliberation.services.reports.report_pdf", fake)
    return seen


@pytest.fixture
def klass():
    return make_class(1)


def ask(client, slug, capture):
    with capture(execute=True):
        return client.post(f"/d/{slug}/report/pdf/")


def test_the_pdf_is_made_with_progress_then_kept_until_the_debate_changes(
    client, klass, renders, eager_tasks, django_capture_on_commit_callbacks
):
    slug = klass.debate.slug
    client.force_login(klass.teacher)
    page = client.get(f"/d/{slug}/report/pdf/").content.decode()
    assert "Make the PDF" in page
    assert client.get(f"/d/{slug}/report.pdf")["Location"] == f"/d/{slug}/report/pdf/"

    ask(client, slug, django_capture_on_commit_callbacks)

    assert renders == [
        ("running", 20, "Reading the debate."),
        ("running", 60, "Drawing."),
    ]
    job = ReportJob.objects.get(debate=klass.debate)
    assert (job.status, job.progress, job.attempts) == ("done", 100, 1)
    assert "Download the PDF" in client.get(f"/d/{slug}/report/pdf/").content.decode()
    download = client.get(f"/d/{slug}/report.pdf")
    assert download.status_code == 200
    assert download.content == b"%PDF-fake " + slug.encode()

    # Asked again, unchanged: the same PDF, not made again.
    ask(client, slug, django_capture_on_commit_callbacks)
    assert len(renders) == 2
    assert ReportJob.objects.get(debate=klass.debate).pk == job.pk

    # A vote changes the report: the kept PDF is no longer offered.
    claim = klass.debate.claims.get(depth=1)
    Vote.objects.create(claim=claim, user=UserFactory(), stance="agree")
    assert client.get(f"/d/{slug}/report.pdf").status_code == 302
    ask(client, slug, django_capture_on_commit_callbacks)
    assert len(renders) == 4
    [again] = ReportJob.objects.filter(debate=klass.debate)  # the old one went
    assert again.pk != job.pk and again.status == "done"


def test_each_change_to_what_the_report_shows_changes_the_version(klass):
    versions = [report_version(klass.debate)]
    thesis = klass.debate.claims.get(depth=1)
    pro = make_claim(klass.debate, parent=thesis, text="A pro.")
    versions.append(report_version(klass.debate))
    vote = Vote.objects.create(claim=pro, user=UserFactory(), stance="agree")
    versions.append(report_version(klass.debate))
    vote.stance = "disagree"
    vote.save()
    versions.append(report_version(klass.debate))
    vote.delete()
    versions.append(report_version(klass.debate))
    pro.text = "A pro, edited."
    pro.save()
    versions.append(report_version(klass.debate))
    # Removing the vote brings back what the report showed before it.
    assert versions[4] == versions[1]
    assert len(set(versions)) == 5
    assert report_version(klass.debate) == versions[-1]  # stable when unchanged


def test_while_queued_the_page_refreshes_and_shows_the_progress(client, klass):
    client.force_login(klass.teacher)
    report_job_start(user=klass.teacher, debate=klass.debate)  # no worker ran

    page = client.get(f"/d/{klass.debate.slug}/report/pdf/").content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Waiting for a worker. (0 %)" in page


def test_a_delivery_after_the_job_ended_renders_nothing_more(klass, renders):
    job = report_job_start(user=klass.teacher, debate=klass.debate)
    assert report_job_run(str(job.pk)) == "done"
    assert report_job_run(str(job.pk)) == "done"
    assert len(renders) == 2  # one render (two progress steps)
    assert report_job_run("not-a-uuid") == "missing"


def test_a_job_cut_off_too_often_fails_and_asking_again_retries(
    klass, renders, settings
):
    job = report_job_start(user=klass.teacher, debate=klass.debate)
    ReportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=settings.REPORT_JOB_MAX_RUNS
    )
    assert report_job_run(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.message.startswith("The PDF was stopped 3 times")
    assert renders == []

    again = report_job_start(user=klass.teacher, debate=klass.debate)
    assert again.pk == job.pk
    assert (again.status, again.attempts) == ("queued", 0)
    assert report_job_run(str(job.pk)) == "done"


@pytest.mark.parametrize("who", ["participant", "outsider"])
def test_others_may_not_ask_for_the_pdf(client, klass, who):
    user = MembershipFactory(debate=klass.debate).user if who == "participant" else None
    client.force_login(user or UserFactory())

    response = client.post(f"/d/{klass.debate.slug}/report/pdf/")

    assert response.status_code == 403
    assert not ReportJob.objects.exists()
