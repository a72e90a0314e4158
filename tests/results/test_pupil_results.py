import csv
import io

import pytest
from django.utils import timezone

from claims.formats.csv_claims import safe_cell
from claims.models import Annotation
from claims.services import annotation_create
from deliberation.models import Comment, Membership
from deliberation.selectors.contributions import class_contributions
from tests.factories import MembershipFactory, UserFactory
from tests.results.helpers import contribute, flag, guest, make_class

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_counts_each_pupils_work(client):
    klass = make_class(2)
    (ann, ann_m), (ben, ben_m) = klass.pupils
    ann_claims = contribute(klass, ann, claims=2, evidence=1, comments=1, vote="agree")
    ben_claims = contribute(klass, ben, claims=1, comments=2, vote="disagree")
    # A highlight is an annotation, not evidence; a deleted comment is nothing.
    annotation_create(
        debate=klass.debate, source=klass.source, quote="Cameras", creator=ben
    )
    Comment.objects.create(
        debate=klass.debate,
        claim=klass.thesis,
        author=ben,
        body="gone",
        deleted_at=timezone.now(),
    )
    flag(klass, ben, ann_claims[0])
    flag(klass, klass.teacher, ann_claims[1])
    flag(klass, ann, Comment.objects.filter(author=ben).first())
    assert ben_claims  # (ben's claim is not flagged)
    client.force_login(klass.teacher)

    response = client.get(f"/d/{klass.debate.slug}/class/results.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{klass.debate.slug}-results-'
    )
    assert _rows(response) == [
        [
            "Pseudonym",
            "Side",
            "Team",
            "Claims",
            "Annotations",
            "Evidence links",
            "Comments",
            "Votes cast",
            "Flags received",
            "Contributions",
        ],
        ["Pupil Zephyr1", "against", "team 1", "1", "1", "0", "2", "1", "1", "4"],
        ["Pupil Zephyr0", "for", "team 0", "2", "0", "1", "1", "1", "2", "4"],
        ["Total", "", "", "3", "1", "1", "3", "2", "3", "8"],
    ]


def test_teacher_and_moderators_are_not_graded_and_names_fall_back():
    klass = make_class(0)
    MembershipFactory(debate=klass.debate, role=Membership.Role.MODERATOR)
    plain = MembershipFactory(debate=klass.debate, user=UserFactory(username="amir"))

    rows = class_contributions(klass.debate).pupils

    assert [(r.name, r.membership.pk, r.membership.guest) for r in rows] == [
        ("amir", plain.pk, False)
    ]


def test_csv_cells_cannot_run_as_formulas(client):
    klass = make_class(0)
    for i, name in enumerate(["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)"]):
        guest(klass.debate, i, pseudonym=name)
    client.force_login(klass.teacher)

    rows = _rows(client.get(f"/d/{klass.debate.slug}/class/results.csv"))

    assert sorted(r[0] for r in rows[1:-1]) == [
        "'+1",
        "'-2",
        "'=HYPERLINK(1)",
        "'@SUM(A1)",
    ]
    assert [safe_cell(v) for v in ("ok", 3, "\tx", "a=b")] == ["ok", 3, "'\tx", "a=b"]


def _class_with_work(n: int):
    klass = make_class(n)
    for user, _ in klass.pupils:
        made = contribute(klass, user, claims=1, evidence=1, comments=1, vote="agree")
        flag(klass, klass.teacher, made[0])
    return klass


@pytest.mark.parametrize("n", [3, 30])
def test_selector_query_count_does_not_grow_with_the_class(
    n, django_assert_num_queries
):
    klass = _class_with_work(n)

    # The members, then one grouped count of every kind.
    with django_assert_num_queries(2):
        rows = class_contributions(klass.debate).pupils

    assert len(rows) == n
    assert {
        (r.claims, r.annotations, r.evidence, r.comments, r.votes, r.flags_received)
        for r in rows
    } == {(1, 0, 1, 1, 1, 1)}


@pytest.mark.parametrize("n", [3, 30])
def test_csv_page_query_count_does_not_grow_with_the_class(
    n, client, django_assert_num_queries
):
    klass = _class_with_work(n)
    client.force_login(klass.teacher)

    # The debate, the session, the user, then the members and their counts.
    with django_assert_num_queries(5):
        response = client.get(f"/d/{klass.debate.slug}/class/results.csv")

    assert len(_rows(response)) == n + 2


def test_annotations_deleted_are_not_evidence():
    klass = make_class(1)
    ((ann, _),) = klass.pupils
    contribute(klass, ann, claims=1, evidence=2)
    Annotation.objects.filter(creator=ann).update(deleted_at=timezone.now())

    (row,) = class_contributions(klass.debate).pupils

    assert (row.claims, row.annotations, row.evidence) == (1, 0, 0)
