"""The teacher's and pupil's journeys (issue 17): named classes, "My classes"
as the teacher's home, one pupil's contributions, who may make a class, the
pupil's landing after joining, schedules in the browser's time zone."""

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Annotation
from deliberation import services
from deliberation.models import Debate, Flag, Membership, ScheduledPhase
from deliberation.selectors.classroom import classes_of
from deliberation.selectors.contributions import class_contributions
from tests.factories import UserFactory
from tests.results.helpers import contribute, flag, make_class

pytestmark = pytest.mark.django_db
User = get_user_model()


def _my_classes_queries(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/classes/")
    assert page.status_code == 200
    return len(queries), page.content.decode()


def _class_for(teacher, i, *, pupils=2, code=None):
    klass = make_class(pupils, join_code=code or f"KTR{i:03d}")
    Debate.objects.filter(pk=klass.debate.pk).update(
        owner=teacher, class_name=f"Group {i}", phase="opening"
    )
    Membership.objects.filter(debate=klass.debate, role="owner").update(user=teacher)
    return klass


def test_my_classes_lists_each_class_with_its_state(client):
    teacher = UserFactory(username="ms-rivera")
    klass = _class_for(teacher, 1)
    (robin, _), (sasha, sasha_m) = klass.pupils
    contribute(klass, robin, claims=2, evidence=1, comments=1, vote="agree")
    contribute(klass, sasha, claims=1)
    contribute(klass, teacher, claims=3)  # the teacher's work is no pupil's
    flag(klass, robin, klass.debate.claims.filter(author=sasha).first())
    Membership.objects.filter(pk=sasha_m.pk).update(status="removed")

    (card,) = classes_of(teacher)
    assert (card.pupils, card.contributions.contributions, card.flags_waiting) == (
        1,
        5,
        1,
    )
    _, body = _my_classes_queries(client, teacher)
    assert "Group 1" in body and klass.debate.question in body
    assert f'href="/d/{klass.debate.slug}/class/"' in body
    assert "<dt>Phase</dt><dd>Opening</dd>" in body
    assert "<dt>Pupils joined</dt><dd>1</dd>" in body
    assert "<dt>Contributions</dt><dd>5</dd>" in body


def test_my_classes_costs_the_same_queries_for_1_or_8_classes(client):
    teacher = UserFactory(username="mr-okafor")
    klass = _class_for(teacher, 0)
    contribute(klass, klass.pupils[0][0], claims=1, vote="agree")
    one, _ = _my_classes_queries(client, teacher)
    for i in range(1, 8):
        more = _class_for(teacher, i, pupils=3)
        contribute(more, more.pupils[1][0], claims=2, comments=1)
        flag(more, more.pupils[0][0], more.thesis)
    eight, body = _my_classes_queries(client, teacher)
    assert body.count('class="card class-card"') == 8
    assert one == eight


def test_a_new_teacher_lands_on_the_empty_state_offering_a_new_class(client):
    teacher = UserFactory(username="new-teacher")
    teacher.set_password("a long passphrase 1")
    teacher.save()
    response = client.post(
        "/accounts/login/",
        {"login": "new-teacher", "password": "a long passphrase 1"},
    )
    assert response.status_code == 302 and response["Location"] == "/classes/"
    body = client.get("/classes/").content.decode()
    assert "No classes yet" in body
    assert 'href="/classes/new/">New class</a>' in body


def test_a_guest_pupil_signing_in_goes_to_her_debate_not_my_classes(client):
    klass = make_class(1)
    pupil, _ = klass.pupils[0]
    client.force_login(pupil)
    response = client.get("/classes/")
    assert response["Location"] == f"/d/{klass.debate.slug}/"
    body = client.get(f"/d/{klass.debate.slug}/").content.decode()
    assert "/classes/new/" not in body and "My classes" not in body


def test_a_guest_may_not_create_a_class_and_nothing_is_made(client):
    klass = make_class(1)
    pupil, _ = klass.pupils[0]
    before = Debate.objects.count()
    client.force_login(pupil)
    page = client.get("/classes/new/")
    assert page.status_code == 403
    assert "Only teachers make classes" in page.content.decode()
    response = client.post(
        "/classes/new/", {"name": "Mine", "mode": "classroom", "start": "template"}
    )
    assert response.status_code == 403
    assert Debate.objects.count() == before
    with pytest.raises(PermissionDenied, match="Only teachers make classes"):
        services.class_create(owner=pupil, start="blank", question="Q?")
    assert Debate.objects.count() == before


def test_signup_refuses_a_guest_shaped_username(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "guest-0123abcd",
            "password1": "a long passphrase 1",
            "password2": "a long passphrase 1",
        },
    )
    assert response.status_code == 200
    assert "Usernames like this are kept for guests." in response.content.decode()
    assert not User.objects.filter(username="guest-0123abcd").exists()


def test_the_pupil_page_lists_her_work_counted_as_on_the_dashboard(client):
    klass = make_class(2)
    (robin, robin_m), (sasha, _) = klass.pupils
    made = contribute(klass, robin, claims=2, evidence=1, comments=1, vote="agree")
    contribute(klass, sasha, claims=1)
    client.force_login(klass.teacher)

    page = client.get(f"/d/{klass.debate.slug}/class/pupils/{robin_m.pk}/")

    body = page.content.decode()
    row = next(
        r for r in class_contributions(klass.debate).pupils if r.membership == robin_m
    )
    assert (row.claims, row.evidence, row.comments, row.votes) == (2, 1, 1, 1)
    assert "Contributions of Pupil Zephyr0" in body
    assert "Claims (2)" in body and "Evidence links (1)" in body
    assert "Comments (1)" in body and "Votes cast (1)" in body
    for claim in made:
        assert f'href="/d/{klass.debate.slug}/claims/{claim.pk}/"' in body
    assert "Reason 0 from a pupil." in body
    dashboard = client.get(f"/d/{klass.debate.slug}/class/").content.decode()
    assert f'href="/d/{klass.debate.slug}/class/pupils/{robin_m.pk}/"' in dashboard


def test_only_the_teacher_opens_a_pupil_page(client):
    klass = make_class(2)
    (robin, robin_m), (sasha, _) = klass.pupils
    client.force_login(sasha)
    assert (
        client.get(f"/d/{klass.debate.slug}/class/pupils/{robin_m.pk}/").status_code
        == 403
    )
    client.force_login(klass.teacher)
    teacher_m = Membership.objects.get(debate=klass.debate, user=klass.teacher)
    assert (
        client.get(f"/d/{klass.debate.slug}/class/pupils/{teacher_m.pk}/").status_code
        == 404
    )


def test_a_pupil_joining_in_the_voting_phase_starts_on_the_vote_page(
    client, blank_class
):
    debate, _ = blank_class
    Debate.objects.filter(pk=debate.pk).update(phase="voting")
    response = client.post("/join/", {"code": debate.join_code, "pseudonym": "Robin"})
    assert response["Location"] == f"/d/{debate.slug}/vote/"


def test_the_schedule_is_read_in_the_browsers_time_zone_and_shown_back(
    client, blank_class, teacher
):
    debate, _ = blank_class
    client.force_login(teacher)
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    response = client.post(
        f"/d/{debate.slug}/class/schedule/",
        {"opening": f"{tomorrow}T09:30", "time_zone": "America/New_York"},
    )
    assert response.status_code == 302
    row = ScheduledPhase.objects.get(debate=debate)
    local = datetime.fromisoformat(f"{tomorrow}T09:30").replace(
        tzinfo=ZoneInfo("America/New_York")
    )
    assert row.starts_at == local.astimezone(UTC)
    page = client.get(f"/d/{debate.slug}/class/").content.decode()
    assert f'data-utc="{row.starts_at.astimezone(UTC).isoformat()}"' in page
    assert 'name="time_zone"' in page
    # The next phase is a time, with its countdown beside it.
    assert "data-local-time>" in page and "data-countdown" in page


def test_flags_waiting_count_items_not_flags(client):
    klass = make_class(3)
    (a, _), (b, _), (c, _) = klass.pupils
    for flagger in (a, b):
        flag(klass, flagger, klass.thesis)
    assert Flag.objects.count() == 2
    teacher = klass.teacher
    (card,) = classes_of(teacher)
    assert card.flags_waiting == 1


def test_a_refused_annotation_on_a_claim_page_keeps_what_was_typed(client):
    klass = make_class(1)
    Debate.objects.filter(pk=klass.debate.pk).update(phase="voting")
    pupil, _ = klass.pupils[0]
    client.force_login(pupil)
    body = "This wording hides who decides."

    response = client.post(
        f"/d/{klass.debate.slug}/claims/{klass.thesis.pk}/annotate/",
        {"quote": "streets safer", "body": body, "visibility": "everyone"},
    )

    content = html.unescape(response.content.decode())
    assert response.status_code == 403
    assert "Annotating is not open in the voting phase." in content
    assert "streets safer</textarea>" in content and f"{body}</textarea>" in content
    assert not Annotation.objects.filter(creator=pupil).exists()
