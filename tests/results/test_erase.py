"""Erasing a class leaves no personal data of its pupils in any table."""

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client

from claims.models import Annotation, Claim
from claims.services import annotation_create
from deliberation import services
from deliberation.models import (
    Comment,
    Debate,
    Flag,
    Membership,
    ModerationAction,
    Notification,
    Snapshot,
    Vote,
)
from deliberation.services import privacy
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim
from tests.results.helpers import contribute, guest, make_class

pytestmark = pytest.mark.django_db

SESSION_IP = "203.0.113.7"
FAILED_LOGIN_IP = "198.51.100.23"
TEXT_FIELDS = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.GenericIPAddressField,
)


def _leftovers(needles) -> list[tuple[str, str, str]]:
    """(table, field, needle) wherever a needle survives: every text, JSON and
    IP field of every table, and the decoded data of every session."""
    found = []
    needles = [n.lower() for n in needles]
    for model in apps.get_models(include_auto_created=True):
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, TEXT_FIELDS) and not f.is_relation
        ]
        if not names:
            continue
        for row in model._base_manager.values_list(*names):
            for name, value in zip(names, row, strict=True):
                text = str(value).lower()
                found += [(model._meta.db_table, name, n) for n in needles if n in text]
    for session in Session.objects.all():
        text = str(session.get_decoded()).lower()
        found += [("django_session", "decoded", n) for n in needles if n in text]
    return found


def _pupil_client(user) -> Client:
    pupil = Client(REMOTE_ADDR=SESSION_IP)
    pupil.force_login(user)
    assert pupil.get("/").context["user"] == user
    return pupil


@pytest.fixture
def busy_class():
    """Two guest pupils and one in a small-group copy, signed in, with claims,
    evidence, comments, votes, flags raised and received, notifications, a
    failed log-in, e-mail addresses, and a member with an account of their
    own who has a pseudonym, side and team."""
    klass = make_class(2)
    debate = klass.debate
    copy = Debate.objects.create(
        slug=f"{debate.slug}-team-a", question=debate.question, parent=debate
    )
    klass.pupils.append(guest(copy, 2, side="for", team="team a"))
    own = MembershipFactory(
        debate=debate, pseudonym="Captain Ownaccount", side="for", team="team 0"
    )
    for i, (user, _) in enumerate(klass.pupils):
        user.email = f"zephyr{i}@pupils.example"
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email=user.email, primary=True)
    (ann, _), (ben, _), (cal, _) = klass.pupils
    ann_claim = contribute(klass, ann, claims=1, evidence=1)[0]
    services.comment_add(
        user=ben, claim=ann_claim, body="I disagree.", alignment="against"
    )
    services.vote_cast(user=ben, claim=ann_claim, stance="disagree")
    services.flag_create(
        user=ann, item=Comment.objects.get(author=ben), reason="unclear"
    )
    services.flag_create(user=klass.teacher, item=ann_claim, reason="unsupported")
    make_claim(copy, text="Group thesis.", author=cal)
    Snapshot.objects.create(
        debate=debate,
        status=Snapshot.Status.DONE,
        result={"participant_projections": [{"participant": ann.pk, "x": 0, "y": 0}]},
    )
    Debate.objects.filter(pk=debate.pk).update(analysis_groups=1)
    clients = [_pupil_client(user) for user, _ in klass.pupils]
    Client(REMOTE_ADDR=FAILED_LOGIN_IP).post(
        "/accounts/login/", {"login": ann.username, "password": "wrong"}
    )
    # Whatever the configured handler, a row in axes' own table (bulk: the
    # cache handler answers a saved row's signal with an error).
    AccessAttempt.objects.bulk_create(
        [
            AccessAttempt(
                username=ben.username,
                ip_address=FAILED_LOGIN_IP,
                user_agent="test",
                get_data="",
                post_data=f"login={ben.username}",
                http_accept="*/*",
                path_info="/accounts/login/",
                failures_since_start=1,
            )
        ]
    )
    needles = [SESSION_IP, FAILED_LOGIN_IP, "Captain Ownaccount"]
    for user, m in klass.pupils:
        needles += [user.username, user.email, m.pseudonym, m.animal_name]
    assert len(_leftovers(needles)) > 10  # the scan does find them before
    return klass, copy, own, clients, needles


def _erase(client, klass, **data):
    client.force_login(klass.teacher)
    return client.post(f"/d/{klass.debate.slug}/class/erase/", data)


DB_HANDLER = settings.AXES_HANDLER.endswith("AxesDatabaseHandler")


def test_erasure_keeping_contributions_leaves_no_personal_data(client, busy_class):
    klass, copy, own, clients, needles = busy_class
    pupil_ids = [u.pk for u, _ in klass.pupils]
    claims_before = Claim.objects.count()

    response = _erase(client, klass, contributions="keep", confirm="ERASE")

    assert response.status_code == 302
    assert response["Location"] == f"/d/{klass.debate.slug}/"
    assert _leftovers(needles) == []
    assert not get_user_model().objects.filter(pk__in=pupil_ids).exists()
    # Signed out: their sessions are gone.
    assert all(not c.get("/").context["user"].is_authenticated for c in clients)
    assert Session.objects.count() == 1  # the teacher's
    # Contributions stay, by a former participant (no author).
    assert Claim.objects.count() == claims_before
    assert Claim.objects.filter(text__startswith="Reason 0").get().author is None
    assert Claim.objects.get(text="Group thesis.").author is None
    assert list(Annotation.objects.values_list("creator", flat=True)) == [None]
    assert list(Comment.objects.values_list("author", flat=True)) == [None]
    assert Vote.objects.count() == 0  # votes are per person
    assert Flag.objects.count() == 1  # the teacher's flag on ann's claim
    assert not Notification.objects.filter(user_id__in=pupil_ids).exists()
    assert not Snapshot.objects.exists()
    own.refresh_from_db()
    assert (own.pseudonym, own.animal_name, own.side, own.team) == ("", "", "", "")
    teacher = Membership.objects.get(user=klass.teacher)
    assert teacher.role == Membership.Role.OWNER
    audit = ModerationAction.objects.get(action=ModerationAction.Action.ERASE)
    assert (audit.debate, audit.actor, audit.reason, audit.before) == (
        klass.debate,
        klass.teacher,
        "",
        {},
    )
    assert audit.after == {
        "guests": 3,
        "sessions": 3,
        "lockouts": 2 if DB_HANDLER else 1,
        "memberships_cleared": 2,
        "analyses": 1,
        "contributions": "keep",
        "claims_deleted": 0,
        "annotations_deleted": 0,
        "comments_deleted": 0,
    }
    assert Debate.objects.get(pk=klass.debate.pk).analysis_groups == 0


def test_erasure_deleting_contributions_takes_branches_and_replies(client):
    klass = make_class(2)
    (ann, _), (ben, _) = klass.pupils
    ann_claim = contribute(klass, ann, claims=1, evidence=1, comments=1)[0]
    ben_claim = contribute(klass, ben, claims=1)[0]
    # The teacher's reply under ann's claim, and an annotation on its text.
    under = make_claim(
        klass.debate, parent=ann_claim, stance="con", author=klass.teacher
    )
    annotation_create(
        debate=klass.debate, claim=ann_claim, quote="Reason", creator=klass.teacher
    )
    note = Comment.objects.get(author=ann)
    reply = Comment.objects.create(
        debate=klass.debate,
        claim=klass.thesis,
        parent=note,
        depth=2,
        author=klass.teacher,
        body="Why?",
    )
    teacher_comment = Comment.objects.create(
        debate=klass.debate, claim=klass.thesis, author=klass.teacher, body="Welcome."
    )

    response = _erase(client, klass, contributions="delete", confirm="ktr7pq")

    assert response.status_code == 302
    assert list(Claim.objects.values_list("pk", flat=True)) == [klass.thesis.pk]
    for gone in (ann_claim, ben_claim, under, reply):
        assert not type(gone).objects.filter(pk=gone.pk).exists()
    assert list(Comment.objects.values_list("pk", flat=True)) == [teacher_comment.pk]
    assert not Annotation.objects.exists()
    audit = ModerationAction.objects.get(action=ModerationAction.Action.ERASE)
    assert audit.after == {
        "guests": 2,
        "sessions": 0,
        "lockouts": 0,
        "memberships_cleared": 1,
        "analyses": 0,
        "contributions": "delete",
        "claims_deleted": 2,
        "annotations_deleted": 1,
        "comments_deleted": 1,
    }


def _state():
    return (
        get_user_model().objects.count(),
        Membership.objects.count(),
        list(Membership.objects.values_list("pseudonym", flat=True).order_by("pk")),
        Claim.objects.count(),
        Session.objects.count(),
        ModerationAction.objects.count(),
    )


@pytest.mark.parametrize("role", ["moderator", "participant", "outsider"])
def test_only_the_owner_may_erase(client, role):
    klass = make_class(2)
    if role == "outsider":
        actor = UserFactory()
    else:
        actor = MembershipFactory(debate=klass.debate, role=role).user
    client.force_login(actor)
    before = _state()

    post = client.post(
        f"/d/{klass.debate.slug}/class/erase/",
        {"contributions": "keep", "confirm": "ERASE"},
    )
    page = client.get(f"/d/{klass.debate.slug}/class/erase/")

    assert (post.status_code, page.status_code) == (403, 403)
    assert _state() == before


def test_anonymous_may_not_erase_and_private_classes_are_not_found(client):
    klass = make_class(1, visibility=Debate.Visibility.PRIVATE)
    stranger = UserFactory()
    before = _state()
    url = f"/d/{klass.debate.slug}/class/erase/"

    anonymous = client.post(url, {"contributions": "keep", "confirm": "ERASE"})
    client.force_login(stranger)
    outsider = client.post(url, {"contributions": "keep", "confirm": "ERASE"})

    assert (anonymous.status_code, outsider.status_code) == (404, 404)
    assert _state()[:4] == before[:4]
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"contributions": "keep", "confirm": "erase it"}, "confirm", "Type ERASE"),
        ({"contributions": "keep"}, "confirm", "Type ERASE"),
        ({"contributions": "keep", "confirm": "ABCDEF"}, "confirm", "Type ERASE"),
        ({"confirm": "ERASE"}, "contributions", "Choose whether"),
        ({"contributions": "both", "confirm": "ERASE"}, "contributions", "Choose"),
    ],
)
def test_unconfirmed_erasure_is_refused_and_changes_nothing(
    client, data, field, reason
):
    klass = make_class(2)
    before = _state()

    response = _erase(client, klass, **data)

    assert response.status_code == 400
    assert response.context["errors"][field][0].startswith(reason)
    assert reason in response.content.decode()
    assert _state()[:4] == before[:4]
    assert not ModerationAction.objects.exists()


def test_the_form_says_what_goes(client):
    klass = make_class(2)
    copy = Debate.objects.create(slug="copy", question="Q", parent=klass.debate)
    guest(copy, 5)  # a pupil of a small-group copy counts
    # A pupil in both the class and a copy counts once.
    Membership.objects.create(debate=copy, user=klass.pupils[0][0], guest=True)
    client.force_login(klass.teacher)

    response = client.get(f"/d/{klass.debate.slug}/class/erase/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "the 3 pupil accounts made for this debate" in body
    assert 'name="confirm"' in body and "KTR7PQ" in body


def test_staff_and_the_teacher_are_never_erased_even_if_marked_guest(client):
    klass = make_class(1)
    admin = UserFactory(is_staff=True)
    Membership.objects.create(debate=klass.debate, user=admin, guest=True)
    Membership.objects.filter(user=klass.teacher).update(guest=True)

    _erase(client, klass, contributions="keep", confirm="ERASE")

    assert set(get_user_model().objects.values_list("pk", flat=True)) == {
        klass.teacher.pk,
        admin.pk,
    }


def test_erasure_leaves_no_live_join_code_anywhere(client):
    klass = make_class(1)
    copy = DebateFactory(
        owner=klass.teacher,
        parent=klass.debate,
        team="For 1",
        mode=Debate.Mode.CLASSROOM,
        join_code="PQRS7T",
        invite_token="copy-token",
    )
    old = (klass.debate.join_code, klass.debate.invite_token)

    privacy.class_erase(
        user=klass.teacher, debate=klass.debate, contributions="keep", confirm="ERASE"
    )

    assert list(
        Debate.objects.filter(pk__in=[klass.debate.pk, copy.pk])
        .order_by("pk")
        .values_list("join_code", "invite_token", "joining_open")
    ) == [(None, None, False), (None, None, False)]
    for code in (old[0], "PQRS7T"):
        response = Client().post("/join/", {"code": code, "pseudonym": "Back Again"})
        assert response.status_code == 400
        assert (
            "No debate has this code, or the code has expired."
            in response.content.decode()
        )
    assert Client().get(f"/invite/{old[1]}/").status_code == 404
    assert Client().get("/invite/copy-token/").status_code == 404

    # The dashboard says so and offers new ones.
    client.force_login(klass.teacher)
    page = client.get(f"/d/{klass.debate.slug}/class/")
    assert page.status_code == 200
    assert "No join code: the class was erased" in page.content.decode()
    assert client.get(f"/d/{klass.debate.slug}/class/qr.svg").status_code == 404
    response = client.post(f"/d/{klass.debate.slug}/invitation/reset/", {"to": "class"})
    assert response["Location"] == f"/d/{klass.debate.slug}/class/"
    klass.debate.refresh_from_db()
    assert len(klass.debate.join_code) == 6 and klass.debate.join_code != old[0]


def test_deleting_contributions_reaches_group_copies_and_audit_text(client):
    """The small-group copies keep each claim's author (no re-authoring to
    the teacher), so erasing deletes a pupil's claim in every copy; the audit
    rows about deleted items keep who, what and when, not the words."""
    klass = make_class(2)
    (ann, ann_m), (ben, ben_m) = klass.pupils
    Membership.objects.filter(pk__in=[ann_m.pk, ben_m.pk]).update(team="team a")
    ann_claim = make_claim(
        klass.debate,
        klass.thesis,
        "pro",
        text="zqerasedclaim by a pupil.",
        explanation="zqerasedexplanation why.",
        author=ann,
    )
    comment = services.comment_add(
        user=ben, claim=klass.thesis, body="zqerasedcomment here."
    )
    edit = services.claim_moderator_edit(
        user=klass.teacher,
        claim=ann_claim,
        note="Tidied the wording.",
        text="zqerasedclaim by a pupil, tidied.",
    )
    hide = services.item_hide(user=klass.teacher, item=comment, reason="Off topic")
    (copy,) = services.group_copies_create(user=klass.teacher, debate=klass.debate)
    copied = Claim.objects.get(debate=copy, key=str(ann_claim.pk))
    # The copy is the pupil's, as is its first revision.
    assert copied.author == ann
    assert copied.revisions.get(number=1).author == ann
    assert Claim.objects.get(debate=copy, depth=1).author == klass.teacher
    # A copy made before authors were kept: the teacher's, found by its key.
    old_copy = Debate.objects.create(
        slug="old-copy", question="Q", parent=klass.debate, owner=klass.teacher
    )
    old = make_claim(old_copy, text="zqerasedclaim copied long ago.")
    Claim.objects.filter(pk=old.pk).update(key=str(ann_claim.pk))
    assert len(_leftovers(["zqerased"])) >= 6

    response = _erase(client, klass, contributions="delete", confirm="ERASE")

    assert response.status_code == 302
    assert _leftovers(["zqerased"]) == []
    edit.refresh_from_db()
    hide.refresh_from_db()
    assert (edit.actor, edit.action, edit.reason, edit.claim) == (
        klass.teacher,
        ModerationAction.Action.EDIT,
        "Tidied the wording.",
        None,
    )
    assert (edit.before["text"], edit.before["explanation"]) == (None, None)
    assert (edit.after["text"], edit.after["status"]) == (None, "visible")
    assert edit.before["open_flags"] == []
    assert (hide.action, hide.reason, hide.before, hide.after) == (
        ModerationAction.Action.HIDE,
        "Off topic",
        {"hidden": False, "hidden_reason": "", "body": None, "open_flags": []},
        {"hidden": True, "hidden_reason": "Off topic", "body": None},
    )
    audit = ModerationAction.objects.get(action=ModerationAction.Action.ERASE)
    assert (audit.after["claims_deleted"], audit.after["comments_deleted"]) == (3, 1)
    # The teacher's theses, in the class and its copies, stay.
    assert sorted(Claim.objects.values_list("debate_id", "depth")) == sorted(
        [(klass.debate.pk, 1), (copy.pk, 1)]
    )


def test_keeping_contributions_keeps_the_copies_and_their_audit_text(client):
    klass = make_class(1)
    (ann, ann_m) = klass.pupils[0]
    Membership.objects.filter(pk=ann_m.pk).update(team="team a")
    ann_claim = make_claim(
        klass.debate, klass.thesis, "pro", text="Kept words.", author=ann
    )
    edit = services.claim_moderator_edit(
        user=klass.teacher, claim=ann_claim, note="Tidied.", text="Kept words, tidied."
    )
    (copy,) = services.group_copies_create(user=klass.teacher, debate=klass.debate)

    _erase(client, klass, contributions="keep", confirm="ERASE")

    edit.refresh_from_db()
    assert (edit.before["text"], edit.after["text"]) == (
        "Kept words.",
        "Kept words, tidied.",
    )
    kept = Claim.objects.get(debate=copy, key=str(ann_claim.pk))
    assert (kept.text, kept.author) == ("Kept words, tidied.", None)
