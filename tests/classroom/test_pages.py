from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from claims.models import Claim
from deliberation import services
from deliberation.models import Debate, Membership, ModerationAction, ScheduledPhase

pytestmark = pytest.mark.django_db
User = get_user_model()


def _join(client, code, pseudonym):
    return client.post("/join/", {"code": code, "pseudonym": pseudonym})


def test_teacher_creates_a_class_from_the_template(client, teacher):
    client.force_login(teacher)
    page = client.get("/classes/new/")
    assert page.status_code == 200

    response = client.post(
        "/classes/new/",
        {
            "name": "10B Civics",
            "description": "Tuesday, room 4",
            "mode": "classroom",
            "start": "template",
            "anonymity": "on",
        },
    )

    debate = Debate.objects.get()
    assert (debate.class_name, debate.class_description) == (
        "10B Civics",
        "Tuesday, room 4",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/d/{debate.slug}/class/"
    assert (debate.mode, debate.phase, debate.anonymity) == (
        "classroom",
        "prepare",
        True,
    )
    assert Claim.objects.filter(debate=debate).count() == 98


def test_blank_class_without_question_comes_back_with_the_reason(client, teacher):
    client.force_login(teacher)
    response = client.post(
        "/classes/new/", {"name": "Panel", "mode": "workshop", "start": "blank"}
    )
    assert response.status_code == 400
    assert "Write the question to debate." in response.content.decode()
    assert Debate.objects.count() == 0


def test_pupil_joins_with_code_and_pseudonym_and_is_signed_in(client, blank_class):
    debate, _ = blank_class
    response = _join(client, debate.join_code.lower(), "Robin")

    assert response.status_code == 302 and response["Location"] == f"/d/{debate.slug}/"
    membership = Membership.objects.get(debate=debate, guest=True)
    assert membership.pseudonym == "Robin"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Signed in as <strong>Robin</strong>" in body
    assert "Phase: <strong data-phase-label>Prepare</strong>" in body


def test_join_link_prefills_the_code(client, blank_class):
    debate, _ = blank_class
    page = client.get(f"/join/{debate.join_code}/")
    assert f'value="{debate.join_code}"' in page.content.decode()


@pytest.mark.parametrize(
    "code, change, reason",
    [
        ("ZZZZZZ", {}, "No debate has this code, or the code has expired."),
        (None, {"joining_open": False}, "Joining this debate is closed."),
        (None, {"phase": "closed"}, "This debate is closed."),
        (None, {"join_code_expires": "past"}, "No debate has this code, or the code"),
    ],
)
def test_wrong_closed_or_expired_codes(client, blank_class, code, change, reason):
    debate, _ = blank_class
    if change.get("join_code_expires") == "past":
        change = {"join_code_expires": timezone.now() - timedelta(seconds=1)}
    Debate.objects.filter(pk=debate.pk).update(**change)

    response = _join(client, code or debate.join_code, "Robin")

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Membership.objects.filter(guest=True).exists()
    assert "_auth_user_id" not in client.session


def test_duplicate_pseudonym_page(client, blank_class):
    debate, _ = blank_class
    _join(client, debate.join_code, "Robin")
    other = client.__class__()

    response = _join(other, debate.join_code, "ROBIN")

    assert response.status_code == 400
    assert "Someone in this debate already uses this pseudonym." in (
        response.content.decode()
    )
    assert Membership.objects.filter(guest=True).count() == 1


def test_anonymous_debate_shows_animal_names_to_pupils_and_pseudonyms_to_teacher(
    client, blank_class, teacher
):
    debate, _ = blank_class
    # Not an animal's name: "Robin" failed whenever Robin's animal name was
    # "<adjective> Robin".
    _join(client, debate.join_code, "Quentin")
    quentin = Membership.objects.get(pseudonym="Quentin")
    services.phase_set(user=teacher, debate=debate, phase="opening")
    services.sides_set(
        user=teacher, debate=debate, assignments={quentin.pk: ("for", "")}
    )
    thesis = Claim.objects.get(debate=debate, depth=1)  # in the phase set above
    services.claim_contribute(
        user=quentin.user, parent=thesis, stance="pro", text="Crime fell"
    )
    other = client.__class__()
    _join(other, debate.join_code, "Sam")

    seen_by_pupil = other.get(f"/d/{debate.slug}/").content.decode()
    assert f"by {quentin.animal_name}" in seen_by_pupil
    assert "Quentin" not in seen_by_pupil
    client.force_login(teacher)
    seen_by_teacher = client.get(f"/d/{debate.slug}/").content.decode()
    assert "by Quentin" in seen_by_teacher


def test_dashboard_is_for_the_teacher_only(client, blank_class):
    debate, _ = blank_class
    _join(client, debate.join_code, "Robin")

    assert client.get(f"/d/{debate.slug}/class/").status_code == 403
    assert (
        client.post(f"/d/{debate.slug}/class/phase/", {"phase": "voting"}).status_code
        == 403
    )
    debate.refresh_from_db()
    assert debate.phase == "prepare"


def test_dashboard_shows_code_qr_and_pupils(client, blank_class, teacher):
    debate, _ = blank_class
    for name in ["Ada", "Brook"]:
        _join(client.__class__(), debate.join_code, name)
    client.force_login(teacher)

    body = client.get(f"/d/{debate.slug}/class/").content.decode()

    assert debate.join_code in body
    assert f"/join/{debate.join_code}/" in body
    assert "<svg" in body and "QR code of the join link" in body
    assert ">Ada<" in body and ">Brook<" in body
    qr = client.get(f"/d/{debate.slug}/class/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")


@pytest.mark.parametrize("pupils", [3, 30])
def test_dashboard_live_part_has_a_fixed_query_count(
    client, blank_class, teacher, pupils, django_assert_num_queries
):
    debate, _ = blank_class
    for n in range(pupils):
        services.guest_join(debate=debate, pseudonym=f"Pupil {n}")
    client.force_login(teacher)
    client.get(f"/d/{debate.slug}/class/live/")  # warm the session

    # Session, user, debate, the teacher's membership; one grouped count of
    # every kind of contribution; the pupils; flags waiting; the schedule.
    with django_assert_num_queries(8):
        response = client.get(f"/d/{debate.slug}/class/live/")
    assert response.content.decode().count("data-member=") == pupils


def test_phase_buttons_and_audit(client, blank_class, teacher):
    debate, _ = blank_class
    client.force_login(teacher)
    response = client.post(f"/d/{debate.slug}/class/phase/", {"phase": "opening"})

    assert response.status_code == 302
    debate.refresh_from_db()
    assert debate.phase == "opening"
    assert ModerationAction.objects.filter(action="phase").count() == 1


def test_roster_cards_are_not_cached(client, blank_class, teacher):
    debate, _ = blank_class
    client.force_login(teacher)
    response = client.post(
        f"/d/{debate.slug}/class/roster/", {"pseudonyms": "Ada\nBrook\n"}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert body.count('class="login-card"') == 2
    assert Membership.objects.filter(debate=debate, guest=True).count() == 2


def test_sides_by_hand_form(client, blank_class, teacher):
    debate, _ = blank_class
    services.guest_join(debate=debate, pseudonym="Ada")
    ada = Membership.objects.get(pseudonym="Ada")
    client.force_login(teacher)

    client.post(
        f"/d/{debate.slug}/class/sides/",
        {f"side-{ada.pk}": "against", f"team-{ada.pk}": "Blue"},
    )

    ada.refresh_from_db()
    assert (ada.side, ada.team) == ("against", "Blue")


def test_schedule_form_and_tick_open_the_due_phase(client, blank_class, teacher):
    debate, _ = blank_class
    client.force_login(teacher)
    soon = timezone.localtime() + timedelta(minutes=5)
    client.post(
        f"/d/{debate.slug}/class/schedule/",
        {"opening": soon.strftime("%Y-%m-%dT%H:%M")},
    )
    assert ScheduledPhase.objects.filter(debate=debate, phase="opening").count() == 1

    assert client.post(f"/d/{debate.slug}/phase/tick/").status_code == 204
    ScheduledPhase.objects.update(starts_at=timezone.now() - timedelta(seconds=1))
    assert client.post(f"/d/{debate.slug}/phase/tick/").status_code == 205
    debate.refresh_from_db()
    assert debate.phase == "opening"
    assert client.post(f"/d/{debate.slug}/phase/tick/").status_code == 204


def test_invitation_link_lets_a_guest_join_with_a_pseudonym(client, blank_class):
    debate, _ = blank_class
    url = f"/invite/{debate.invite_token}/"
    assert "Join with this pseudonym" in client.get(url).content.decode()

    bad = client.post(url, {"pseudonym": "admin"})
    assert bad.status_code == 400
    response = client.post(url, {"pseudonym": "Workshop Wren"})

    assert response.status_code == 302
    assert Membership.objects.get(guest=True).pseudonym == "Workshop Wren"


def test_a_whole_class_behind_one_address_ticks_at_once(blank_class):
    """When a countdown ends, every open page of the class asks for the due
    phase: 300 pages behind one school address are all answered (the limit
    is per debate and address, 600 a minute), not 429 after the 30th. (Each
    pupil's own account has its own write limit; readers of a public debate
    tick too, which is what this sends.)"""
    debate, _ = blank_class
    Debate.objects.filter(pk=debate.pk).update(visibility=Debate.Visibility.PUBLIC)
    client = Client(REMOTE_ADDR="203.0.113.7")
    url = f"/d/{debate.slug}/phase/tick/"
    codes = {client.post(url).status_code for _ in range(300)}
    assert codes == {204}
