"""One count of a pupil's contributions: the class dashboard, the per-pupil
CSV, the report (page and data) and the workshop summary show the same
numbers under the same names."""

import csv
import io
import re

import pytest
from django.utils import timezone

from claims.models import Annotation, Claim
from claims.services import annotation_create
from deliberation import services
from deliberation.models import Comment, Membership, Vote
from deliberation.selectors.contributions import HEADINGS, class_contributions
from tests.factories import UserFactory, make_claim
from tests.results.helpers import flag, make_class

pytestmark = pytest.mark.django_db

# Claims, annotations, evidence links, comments, votes cast, flags received,
# contributions (the first four added up).
ANN = ["1", "1", "1", "1", "2", "1", "4"]
BEN = ["0", "0", "0", "0", "0", "0", "0"]


@pytest.fixture
def klass():
    """Ann (side for) wrote two claims, one of them hidden since, made a
    highlight and an evidence link, wrote a comment, cast two votes and had
    one claim flagged. Ben (against) did nothing that counts."""
    klass = make_class(2)
    (ann, _), (ben, _) = klass.pupils
    shown = make_claim(
        klass.debate, parent=klass.thesis, text="Crime fell.", author=ann
    )
    hidden = make_claim(klass.debate, parent=klass.thesis, text="Rude.", author=ann)
    Claim.objects.filter(pk=hidden.pk).update(status=Claim.Status.HIDDEN)
    teachers = make_claim(klass.debate, parent=klass.thesis, author=klass.teacher)
    annotation_create(
        debate=klass.debate, source=klass.source, quote="Cameras", creator=ann
    )
    annotation_create(
        debate=klass.debate,
        source=klass.source,
        quote="Crime fell",
        creator=ann,
        evidence_claim=shown,
        relation=Annotation.Relation.SUPPORTS,
    )
    Comment.objects.create(
        debate=klass.debate, claim=klass.thesis, author=ann, body="Why?"
    )
    Vote.objects.create(claim=klass.thesis, user=ann, stance="agree")
    Vote.objects.create(claim=teachers, user=ann, stance="disagree")
    flag(klass, ben, shown)
    # Seen by nobody else, so not counted: Ben's private note, his deleted
    # comment, his vote and comment on Ann's hidden claim.
    annotation_create(
        debate=klass.debate,
        source=klass.source,
        quote="every corner",
        creator=ben,
        visibility=Annotation.Visibility.ONLY_ME,
    )
    Comment.objects.create(
        debate=klass.debate,
        claim=klass.thesis,
        author=ben,
        body="gone",
        deleted_at=timezone.now(),
    )
    Comment.objects.create(debate=klass.debate, claim=hidden, author=ben, body="x")
    Vote.objects.create(claim=hidden, user=ben, stance="agree")
    return klass


def _row(body: str, opening: str) -> list[str]:
    """The numbers of the table row that starts with ``opening``."""
    start = body.index(opening)
    return re.findall(r"<td>(\d+)</td>", body[start : body.index("</tr>", start)])


def _headings(body: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]*)</th>', body)


def _has_headings(body: str) -> bool:
    found = _headings(body)
    return any(
        found[i : i + len(HEADINGS)] == list(HEADINGS) for i in range(len(found))
    )


def test_every_page_shows_the_same_counts(client, klass):
    (ann, ann_m), (ben, ben_m) = klass.pupils
    slug = klass.debate.slug
    client.force_login(klass.teacher)

    dashboard = client.get(f"/d/{slug}/class/").content.decode()
    results = client.get(f"/d/{slug}/class/results.csv")
    report = client.get(f"/d/{slug}/report/")
    summary = client.get(f"/d/{slug}/summary/")
    summary_md = client.get(f"/d/{slug}/summary.md").content.decode()

    # The dashboard: by pupil, then by side (members, online, then the counts).
    assert _row(dashboard, f'<tr data-member="{ann_m.pk}">') == ANN
    assert _row(dashboard, f'<tr data-member="{ben_m.pk}">') == BEN
    assert _row(dashboard, '<th scope="row">For</th>') == ["1", "0", *ANN]
    assert _row(dashboard, '<th scope="row">Against</th>') == ["1", "0", *BEN]
    assert '<span data-field="votes">2</span>' in dashboard
    assert _has_headings(dashboard)
    # The per-pupil CSV.
    rows = list(csv.reader(io.StringIO(results.content.decode())))
    assert rows == [
        ["Pseudonym", "Side", "Team", *HEADINGS],
        ["Pupil Zephyr1", "against", "team 1", *BEN],
        ["Pupil Zephyr0", "for", "team 0", *ANN],
        ["Total", "", "", *ANN],
    ]
    # The report: its table per side (pupils, then the counts) and its data.
    body = report.content.decode()
    assert _row(body, '<th scope="row">For</th>') == ["1", *ANN]
    assert _row(body, '<th scope="row">Against</th>') == ["1", *BEN]
    assert _has_headings(body)
    table = report.context["report"].contributions
    assert [(s.side, s.members, s.cells) for s in table.sides] == [
        ("for", 1, [int(n) for n in ANN]),
        ("against", 1, [int(n) for n in BEN]),
    ]
    assert [(r.name, r.cells) for r in table.pupils] == [
        ("Pupil Zephyr1", [int(n) for n in BEN]),
        ("Pupil Zephyr0", [int(n) for n in ANN]),
    ]
    # Apart: the teacher's thesis and claim (and nothing of theirs but that).
    assert table.others.cells == [2, 0, 0, 0, 0, 0, 2]
    assert "Not in this table: 2 claims, 0 annotations, 0 evidence links," in body
    # The summary: the class's totals, on the page and in its Markdown.
    assert summary.context["contributions"].total.cells == [int(n) for n in ANN]
    page = summary.content.decode()
    section = page[page.index('aria-labelledby="contributions-h"') :]
    assert _row(section, "<tbody>") == ["2", *ANN]
    assert _has_headings(page)
    assert "| Participants | " + " | ".join(HEADINGS) + " |\n" in summary_md
    assert "| 2 | " + " | ".join(ANN) + " |\n" in summary_md


def test_a_claim_unhidden_counts_again_and_a_pending_one_does_not(klass):
    (ann, _), _ = klass.pupils
    Claim.objects.filter(author=ann, status=Claim.Status.HIDDEN).update(
        status=Claim.Status.VISIBLE
    )
    make_claim(klass.debate, parent=klass.thesis, author=ann, status="pending")

    ann_row = class_contributions(klass.debate).sides[0]

    # Two claims now; the hidden one's vote and comment are Ben's.
    assert (ann_row.side, ann_row.claims, ann_row.contributions) == ("for", 2, 5)
    assert class_contributions(klass.debate).sides[1].cells == [0, 0, 0, 1, 1, 0, 1]


def test_a_class_from_the_template_counts_only_the_pupils_work(client):
    teacher = UserFactory()
    debate = services.class_create(owner=teacher, start="template")
    robin = services.guest_join(debate=debate, pseudonym="Robin")
    services.guest_join(debate=debate, pseudonym="Sam")  # no side yet
    services.phase_set(user=teacher, debate=debate, phase="opening")
    services.sides_set(user=teacher, debate=debate, assignments={robin.pk: ("for", "")})
    thesis = Claim.objects.filter(debate=debate, depth=1).order_by("path").first()
    services.claim_contribute(
        user=robin.user, parent=thesis, stance="pro", text="Crime fell"
    )
    client.force_login(teacher)

    report = client.get(f"/d/{debate.slug}/report/")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/d/{debate.slug}/class/results.csv").content.decode()
            )
        )
    )

    robins = [1, 0, 0, 0, 0, 0, 1]
    table = report.context["report"].contributions
    assert [(s.side, s.members, s.cells) for s in table.sides] == [
        ("for", 1, robins),
        ("", 1, [0] * 7),
    ]
    # The template's claims are the teacher's: apart, in no side's row.
    assert Claim.objects.filter(debate=debate, author=teacher).count() == 98
    assert table.others.cells == [98, 0, 0, 0, 0, 0, 98]
    body = report.content.decode()
    assert _row(body, '<th scope="row">For</th>') == ["1", *map(str, robins)]
    assert _row(body, '<th scope="row">No side yet</th>') == ["1", *["0"] * 7]
    assert "no side" not in body.lower().replace("no side yet", "")
    assert "Not in this table: 98 claims, 0 annotations, 0 evidence links," in body
    assert [r[0] for r in rows] == ["Pseudonym", "Sam", "Robin", "Total"]
    assert rows[-1][3:] == [str(n) for n in robins]


def test_a_removed_pupil_keeps_her_row_marked_removed(client, klass):
    (ann, ann_m), _ = klass.pupils
    Membership.objects.filter(pk=ann_m.pk).update(status=Membership.Status.REMOVED)
    client.force_login(klass.teacher)

    dashboard = client.get(f"/d/{klass.debate.slug}/class/").content.decode()
    results = client.get(f"/d/{klass.debate.slug}/class/results.csv")

    row = dashboard[dashboard.index(f'<tr data-member="{ann_m.pk}">') :]
    assert '<span class="badge">Removed</span>' in row[: row.index("</tr>")]
    assert _row(dashboard, f'<tr data-member="{ann_m.pk}">') == ANN
    rows = list(csv.reader(io.StringIO(results.content.decode())))
    assert rows[2] == ["Pupil Zephyr0", "for", "team 0", *ANN]
