"""The printable report, its PDF, and who may see them."""

import re
import sys

import pytest

from deliberation import pdf
from deliberation.models import Debate, Membership, ReportJob, Snapshot, Vote
from tests.factories import MembershipFactory, UserFactory, make_claim
from tests.results.helpers import contribute, make_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass():
    klass = make_class(2)
    (ann, _), (ben, _) = klass.pupils
    pro = contribute(klass, ann, claims=1, evidence=1, comments=1, vote="agree")[0]
    contribute(klass, ben, claims=0, comments=2, vote="disagree")
    con = make_claim(
        klass.debate,
        parent=pro,
        stance="con",
        text="Displacement.",
        author=klass.teacher,
    )
    hidden = make_claim(klass.debate, parent=pro, stance="con", text="Secret.")
    hidden.status = "hidden"
    hidden.save(update_fields=["status"])
    Vote.objects.create(claim=con, user=ben, stance="pass")
    second = make_claim(klass.debate, text="Faces are personal data.")
    klass.extra = {"pro": pro, "con": con, "second": second}
    return klass


def test_report_shows_the_numbered_tree_tallies_and_charts(client, klass):
    client.force_login(klass.teacher)

    response = client.get(f"/d/{klass.debate.slug}/report/")

    assert response.status_code == 200
    report = response.context["report"]
    tree = [
        (
            t.number,
            t.text,
            [(c.number, c.text, [g.number for g in c.children]) for c in t.children],
        )
        for t in report.theses
    ]
    assert tree == [
        (
            "1",
            "Cameras make streets safer.",
            [("1.1", "Reason 0 from a pupil.", ["1.1.1"])],
        ),
        ("2", "Faces are personal data.", []),
    ]
    thesis = report.theses[0]
    assert (thesis.tally.agree, thesis.tally.disagree, thesis.tally.passes) == (1, 1, 0)
    assert (report.claims, report.votes) == (4, 3)
    # Per side: pupils, then claims, annotations, evidence links, comments,
    # votes cast, flags received, contributions. The teacher's claims and the
    # claim with no author are apart; the hidden claim is nobody's.
    table = report.contributions
    assert [(s.side, s.members, s.cells) for s in table.sides] == [
        ("for", 1, [1, 0, 1, 1, 1, 0, 3]),
        ("against", 1, [0, 0, 0, 2, 2, 0, 2]),
    ]
    assert table.others.cells == [3, 0, 0, 0, 0, 0, 3]
    body = response.content.decode()
    assert "Not in this table: 3 claims, 0 annotations, 0 evidence links, 0" in body
    assert "Secret." not in body  # hidden claims stay out of a printed report
    assert body.count("<svg") >= 2
    assert "1 agree · 1 disagree · 0 pass" in body
    assert 'href="/static/css/report.css"' in body
    assert not re.search(r"\sstyle=", body)  # strict CSP: no inline style
    assert "Opinion map" not in body


def test_report_includes_the_opinion_map_once_an_analysis_exists(client, klass):
    (ann, _), (ben, _) = klass.pupils
    Snapshot.objects.create(
        debate=klass.debate,
        status=Snapshot.Status.DONE,
        participants=2,
        result={
            "groups": [{"id": 0, "members": [ann.pk]}, {"id": 1, "members": [ben.pk]}],
            "participant_projections": [
                {"participant": ann.pk, "x": -1.0, "y": 0.5, "group": 0},
                {"participant": ben.pk, "x": 1.0, "y": -0.5, "group": 1},
            ],
        },
    )
    Debate.objects.filter(pk=klass.debate.pk).update(analysis_groups=2)
    client.force_login(klass.teacher)

    response = client.get(f"/d/{klass.debate.slug}/report/")

    body = response.content.decode()
    assert "Opinion map" in body
    assert 'class="opinion-map"' in body
    # One circle (group 1) and one square (group 2) on the map.
    assert [p["element"] for p in response.context["points"]] == ["circle", "rect"]
    assert [g["size"] for g in response.context["groups"]] == [1, 1]


def make_pdf(client, slug, capture):
    """Ask for the PDF on its page (in-process tasks run it on commit), then
    download it."""
    with capture(execute=True):
        asked = client.post(f"/d/{slug}/report/pdf/")
    assert asked.status_code == 302
    assert asked["Location"] == f"/d/{slug}/report/pdf/"
    return client.get(f"/d/{slug}/report.pdf")


def test_pdf_is_rendered_with_local_files_only(
    client, klass, monkeypatch, caplog, eager_tasks, django_capture_on_commit_callbacks
):
    fetched = []
    real = pdf.static_file

    def spy(url):
        fetched.append(url)
        return real(url)

    monkeypatch.setattr(pdf, "static_file", spy)
    client.force_login(klass.teacher)

    response = make_pdf(client, klass.debate.slug, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{klass.debate.slug}-report-'
    )
    paths = sorted(u.split("localhost:8000", 1)[1] for u in fetched)
    assert "/static/css/report.css" in paths and "/static/css/app.css" in paths
    refused = [
        r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")
    ]
    assert [m for m in refused if "not a local static file" in m] == []


def test_fetcher_serves_static_files_and_refuses_the_network():
    fetcher = pdf.local_fetcher()

    css = fetcher.fetch("https://counterpoint.example/static/css/report.css")

    assert css.content_type == "text/css"
    assert b"@media print" in css.read()
    for url in (
        "https://fonts.example.com/font.woff2",
        "http://127.0.0.1:9/static/../config/settings.py",
        "file:///etc/passwd",
        "/static/css/none.css",
    ):
        with pytest.raises(ValueError, match="not a local static file"):
            fetcher.fetch(url)


def test_without_weasyprint_the_pdf_fails_with_the_reason_and_the_page_works(
    client, klass, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    pdf._weasyprint.cache_clear()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails
    client.force_login(klass.teacher)
    try:
        response = make_pdf(
            client, klass.debate.slug, django_capture_on_commit_callbacks
        )
        status = client.get(f"/d/{klass.debate.slug}/report/pdf/")
        page = client.get(f"/d/{klass.debate.slug}/report/")
    finally:
        pdf._weasyprint.cache_clear()

    assert response.status_code == 302  # no PDF: to its page
    job = ReportJob.objects.get(debate=klass.debate)
    assert job.status == "failed"
    assert job.message.startswith(
        "PDF export is not available on this server: WeasyPrint could not be loaded"
    )
    assert "The PDF was not made." in status.content.decode()
    assert "Try again" in status.content.decode()
    assert page.status_code == 200


URLS = [
    "report/",
    "report.pdf",
    "report/pdf/",
    "summary/",
    "summary.csv",
    "summary.md",
    "class/results.csv",
]


@pytest.mark.parametrize("url", URLS)
def test_moderators_may_read_results(client, klass, url, monkeypatch):
    client.force_login(MembershipFactory(debate=klass.debate, role="moderator").user)
    expected = 302 if url == "report.pdf" else 200  # no PDF made yet: its page

    assert client.get(f"/d/{klass.debate.slug}/{url}").status_code == expected


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", ["anonymous", "outsider", "participant", "pupil"])
def test_others_may_not(client, klass, url, who):
    if who == "outsider":
        client.force_login(UserFactory())
    elif who == "participant":
        client.force_login(MembershipFactory(debate=klass.debate).user)
    elif who == "pupil":
        client.force_login(klass.pupils[0][0])

    response = client.get(f"/d/{klass.debate.slug}/{url}")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", URLS)
def test_private_classes_are_not_found_by_strangers(client, url):
    klass = make_class(1, visibility=Debate.Visibility.PRIVATE)
    client.force_login(UserFactory())

    assert client.get(f"/d/{klass.debate.slug}/{url}").status_code == 404
    assert Membership.objects.filter(debate=klass.debate).count() == 2


def test_members_page_links_the_results_and_only_the_owner_sees_erase(client, klass):
    slug = klass.debate.slug
    client.force_login(klass.teacher)
    owner_page = client.get(f"/d/{slug}/members/").content.decode()
    client.force_login(MembershipFactory(debate=klass.debate, role="moderator").user)
    moderator_page = client.get(f"/d/{slug}/members/").content.decode()

    for url in ("report/", "report.pdf", "summary/", "class/results.csv"):
        assert f'href="/d/{slug}/{url}"' in owner_page
        assert f'href="/d/{slug}/{url}"' in moderator_page
    assert f'href="/d/{slug}/class/erase/"' in owner_page
    assert f'href="/d/{slug}/class/erase/"' not in moderator_page
