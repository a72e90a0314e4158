from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims.models import Annotation, Claim, Source
from claims.services import claim_create
from deliberation import names, phases, services
from deliberation.models import (
    Comment,
    Debate,
    Membership,
    ModerationAction,
    ScheduledPhase,
    Vote,
)
from tests.factories import UserFactory, make_source

pytestmark = pytest.mark.django_db
User = get_user_model()


def _pupil(debate, pseudonym, side=""):
    membership = services.guest_join(debate=debate, pseudonym=pseudonym)
    if side:
        Membership.objects.filter(pk=membership.pk).update(side=side)
    return User.objects.get(pk=membership.user_id)


# --- Making a class ---------------------------------------------------------------


def test_class_from_template_copies_the_ai_policing_debate(teacher):
    debate = services.class_create(owner=teacher, start="template")

    assert debate.mode == "classroom"
    assert debate.visibility == "private"
    assert debate.phase == "prepare"
    assert debate.anonymity is True
    assert Claim.objects.filter(debate=debate, depth=1).count() == 3
    assert Claim.objects.filter(debate=debate).count() == 98  # 84 + 14 links
    assert Source.objects.filter(debate=debate).count() == 5
    assert Membership.objects.get(debate=debate).role == "owner"


def test_class_as_copy_keeps_tree_links_and_citations(teacher):
    original = services.class_create(owner=teacher, start="template")
    copy = services.class_create(owner=teacher, start="copy", from_debate=original)

    def shape(debate):
        return sorted(
            (c.depth, c.stance, c.text, bool(c.link_to_id), c.citations.count())
            for c in Claim.objects.filter(debate=debate)
        )

    assert shape(copy) == shape(original)
    assert copy.question == original.question


def test_copy_of_a_private_debate_is_refused(teacher):
    other = services.class_create(owner=UserFactory(), start="blank", question="Q?")

    with pytest.raises(ValidationError):
        services.class_create(owner=teacher, start="copy", from_debate=other)
    assert Debate.objects.count() == 1


def test_blank_class_needs_a_question(teacher):
    with pytest.raises(ValidationError):
        services.class_create(owner=teacher, start="blank", question="  ")
    assert Debate.objects.count() == 0


# --- Joining ----------------------------------------------------------------------


def test_guest_join_makes_an_account_without_email_or_password(blank_class):
    debate, _ = blank_class
    membership = services.guest_join(debate=debate, pseudonym="Robin Hood")

    user = membership.user
    assert user.username.startswith("guest-")
    assert user.email == ""
    assert not user.has_usable_password()
    assert (membership.pseudonym, membership.guest, membership.role) == (
        "Robin Hood",
        True,
        "participant",
    )
    assert membership.animal_name.split()[1] in names.ANIMALS


@pytest.mark.parametrize(
    "taken, wanted",
    [("Robin", "robin"), ("Robin Hood", "robin.hood"), ("Zoë", "Zoe")],
)
def test_duplicate_pseudonyms_are_refused(blank_class, taken, wanted):
    debate, _ = blank_class
    services.guest_join(debate=debate, pseudonym=taken)

    with pytest.raises(ValidationError) as error:
        services.guest_join(debate=debate, pseudonym=wanted)
    assert "already uses" in str(error.value)
    assert Membership.objects.filter(debate=debate, guest=True).count() == 1
    assert User.objects.filter(username__startswith="guest-").count() == 1


@pytest.mark.parametrize("pseudonym", ["Admin", "t3acher", "x", "me@school.org"])
def test_bad_pseudonyms_are_refused(blank_class, pseudonym):
    debate, _ = blank_class
    with pytest.raises(ValidationError):
        services.guest_join(debate=debate, pseudonym=pseudonym)
    assert User.objects.filter(username__startswith="guest-").count() == 0


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"joining_open": False}, "Joining this debate is closed"),
        ({"phase": "closed"}, "This debate is closed"),
        ({"join_code_expires": "past"}, "This code has expired"),
    ],
)
def test_joining_a_closed_or_expired_debate_is_refused(blank_class, change, reason):
    debate, _ = blank_class
    if change.get("join_code_expires") == "past":
        change = {"join_code_expires": timezone.now() - timedelta(minutes=1)}
    Debate.objects.filter(pk=debate.pk).update(**change)

    with pytest.raises(ValidationError) as error:
        services.guest_join(debate=debate, pseudonym="Robin")
    assert reason in str(error.value)
    assert Membership.objects.filter(debate=debate).count() == 1  # the teacher


def test_member_join_with_pseudonym_and_rejoin_keeps_membership(blank_class):
    debate, _ = blank_class
    user = UserFactory()
    first = services.debate_join(user=user, debate=debate, pseudonym="Ada")
    again = services.debate_join(user=user, debate=debate, pseudonym="Other")

    assert first.pk == again.pk
    assert Membership.objects.get(pk=first.pk).pseudonym == "Ada"
    assert first.guest is False


# --- Roster -----------------------------------------------------------------------


def test_roster_makes_login_cards_with_working_passwords(blank_class, teacher):
    debate, _ = blank_class
    cards = services.roster_create(
        user=teacher, debate=debate, pseudonyms=["Ada", "Brook", ""]
    )

    assert [c.pseudonym for c in cards] == ["Ada", "Brook"]
    assert len({c.password for c in cards}) == 2
    assert all(len(c.password) == 9 and c.password[4] == "-" for c in cards)
    for card in cards:
        assert User.objects.get(username=card.username).check_password(card.password)
    assert Membership.objects.filter(debate=debate, guest=True).count() == 2


def test_roster_with_a_bad_line_makes_nothing(blank_class, teacher):
    debate, _ = blank_class
    with pytest.raises(ValidationError) as error:
        services.roster_create(
            user=teacher, debate=debate, pseudonyms=["Ada", "Admin", "Cy"]
        )
    assert "Line 2 (Admin)" in str(error.value)
    assert Membership.objects.filter(debate=debate, guest=True).count() == 0


def test_roster_by_count_uses_animal_names(blank_class, teacher):
    debate, _ = blank_class
    cards = services.roster_create(user=teacher, debate=debate, count=5)
    assert len({c.pseudonym for c in cards}) == 5


def test_pupils_may_not_make_rosters(blank_class):
    debate, _ = blank_class
    pupil = _pupil(debate, "Robin")
    with pytest.raises(PermissionDenied):
        services.roster_create(user=pupil, debate=debate, count=3)
    assert Membership.objects.filter(debate=debate).count() == 2


# --- Sides and teams --------------------------------------------------------------


def test_balanced_sides_and_teams(blank_class, teacher):
    debate, _ = blank_class
    for name in ["Ada", "Brook", "Cy", "Dee", "Eve"]:
        _pupil(debate, name)

    counts = services.sides_balance(
        user=teacher, debate=debate, teams_per_side=2, seed=7
    )

    assert counts == {"for": 3, "against": 2}
    rows = list(
        Membership.objects.filter(debate=debate, guest=True).values_list("side", "team")
    )
    assert sorted(rows) == sorted(
        [
            ("for", "For 1"),
            ("for", "For 2"),
            ("for", "For 1"),
            ("against", "Against 1"),
            ("against", "Against 2"),
        ]
    )
    assert Membership.objects.get(user=teacher).side == ""
    audit = ModerationAction.objects.get(action="assign_sides")
    assert audit.after == {"how": "random", "members": 5}


def test_sides_by_hand_and_foreign_members_refused(blank_class, teacher):
    debate, _ = blank_class
    ada = Membership.objects.get(user=_pupil(debate, "Ada"))
    stranger = Membership.objects.create(
        debate=services.class_create(owner=UserFactory(), start="blank", question="Q"),
        user=UserFactory(),
    )

    assert (
        services.sides_set(
            user=teacher, debate=debate, assignments={ada.pk: ("against", "Reds")}
        )
        == 1
    )
    ada.refresh_from_db()
    assert (ada.side, ada.team) == ("against", "Reds")
    with pytest.raises(ValidationError):
        services.sides_set(
            user=teacher,
            debate=debate,
            assignments={ada.pk: ("for", ""), stranger.pk: ("for", "")},
        )
    ada.refresh_from_db()
    assert (ada.side, ada.team) == ("against", "Reds")


def test_group_copies_per_team(blank_class, teacher):
    debate, thesis = blank_class
    for name in ["Ada", "Brook", "Cy", "Dee"]:
        _pupil(debate, name)
    services.sides_balance(user=teacher, debate=debate, teams_per_side=1, seed=1)

    copies = services.group_copies_create(user=teacher, debate=debate)
    again = services.group_copies_create(user=teacher, debate=debate)

    assert sorted(c.team for c in copies) == ["Against 1", "For 1"]
    assert again == []
    for copy in copies:
        assert copy.parent_id == debate.pk and copy.owner_id == teacher.pk
        assert list(
            Claim.objects.filter(debate=copy).values_list("text", flat=True)
        ) == [thesis.text]
        members = Membership.objects.filter(debate=copy, guest=True)
        assert {m.team for m in members} == {copy.team}
        assert members.count() == 2


# --- Phases -----------------------------------------------------------------------

FEATURE_ACTS = {
    "annotate": lambda user, debate, thesis, source: services.annotation_add(
        user=user, debate=debate, source=source, quote="cameras", start=None
    ),
    # In the rebuttal a pupil "for" answers the other side's con.
    "claim": lambda user, debate, thesis, source: services.claim_contribute(
        user=user,
        parent=thesis
        if debate.phase != "rebuttal"
        else Claim.objects.get(debate=debate, stance="con"),
        stance="pro" if debate.phase != "rebuttal" else "con",
        text="A claim",
    ),
    "vote": lambda user, debate, thesis, source: services.vote_cast(
        user=user, claim=thesis, stance="agree"
    ),
    "comment": lambda user, debate, thesis, source: services.comment_add(
        user=user, claim=thesis, body="A thought"
    ),
}
COUNTS = {
    "annotate": lambda: Annotation.objects.count(),
    "claim": lambda: Claim.objects.count(),
    "vote": lambda: Vote.objects.count(),
    "comment": lambda: Comment.objects.count(),
}


@pytest.mark.parametrize("phase", ["", *phases.ORDER])
@pytest.mark.parametrize("feature", phases.FEATURES)
def test_phase_gating(blank_class, teacher, phase, feature):
    debate, thesis = blank_class
    source = make_source(debate, text="Many cameras watch the square.")
    pupil = _pupil(debate, "Robin", side="for")
    claim_create(debate=debate, parent=thesis, stance="con", text="Against")
    Debate.objects.filter(pk=debate.pk).update(phase=phase)
    debate.refresh_from_db()
    thesis.refresh_from_db()
    before = COUNTS[feature]()

    if phases.allows(phase, feature):
        FEATURE_ACTS[feature](pupil, debate, thesis, source)
        assert COUNTS[feature]() == before + 1
    else:
        with pytest.raises(PermissionDenied) as error:
            FEATURE_ACTS[feature](pupil, debate, thesis, source)
        assert str(error.value) == phases.not_now(phase, feature)
        assert COUNTS[feature]() == before
        # The teacher is never held back by the phase.
        teacher_user = User.objects.get(pk=teacher.pk)
        FEATURE_ACTS[feature](teacher_user, debate, thesis, source)
        assert COUNTS[feature]() == before + 1


def test_opening_and_rebuttal_side_rules(blank_class, teacher):
    debate, thesis = blank_class
    pro_pupil = _pupil(debate, "Ada", side="for")
    con_pupil = _pupil(debate, "Cy", side="against")
    sideless = _pupil(debate, "Eve")
    services.phase_set(user=teacher, debate=debate, phase="opening")
    thesis.refresh_from_db()

    def add(user, parent, stance):
        parent = Claim.objects.get(pk=parent.pk)
        return services.claim_contribute(
            user=user, parent=parent, stance=stance, text=f"{stance} by {user.pk}"
        )

    pro = add(pro_pupil, thesis, "pro")
    con = add(con_pupil, thesis, "con")
    for user, stance, reason in [
        (pro_pupil, "con", "add a pro"),
        (con_pupil, "pro", "add a con"),
        (sideless, "pro", "not given you a side"),
    ]:
        with pytest.raises(PermissionDenied, match=reason):
            add(user, thesis, stance)
    with pytest.raises(PermissionDenied, match="straight under a thesis"):
        add(pro_pupil, pro, "pro")

    services.phase_set(user=teacher, debate=debate, phase="rebuttal")
    rebut = add(pro_pupil, con, "con")  # against the other side's claim
    add(con_pupil, pro, "con")
    add(con_pupil, rebut, "con")  # the rebuttal argues for "for": fair game
    with pytest.raises(PermissionDenied, match="other side"):
        add(pro_pupil, pro, "con")
    with pytest.raises(PermissionDenied, match="add a con"):
        add(pro_pupil, con, "pro")
    with pytest.raises(PermissionDenied, match="other side"):
        add(pro_pupil, thesis, "pro")
    assert Claim.objects.filter(debate=debate).count() == 6


def test_phase_set_audits_follows_copies_and_closes(blank_class, teacher):
    debate, _ = blank_class
    for name in ["Ada", "Brook"]:
        _pupil(debate, name)
    services.sides_balance(user=teacher, debate=debate, teams_per_side=1, seed=1)
    copies = services.group_copies_create(user=teacher, debate=debate)

    services.phase_set(user=teacher, debate=debate, phase="closed")

    for d in [debate, *copies]:
        d.refresh_from_db()
        assert d.phase == "closed" and d.closed_at is not None
    audit = ModerationAction.objects.filter(debate=debate, action="phase").get()
    assert (audit.before, audit.after) == ({"phase": "prepare"}, {"phase": "closed"})
    with pytest.raises(ValidationError):
        services.phase_set(user=teacher, debate=copies[0], phase="voting")


def test_pupil_may_not_change_the_phase(blank_class):
    debate, _ = blank_class
    pupil = _pupil(debate, "Robin")
    with pytest.raises(PermissionDenied):
        services.phase_set(user=pupil, debate=debate, phase="voting")
    debate.refresh_from_db()
    assert debate.phase == "prepare"
    assert not ModerationAction.objects.filter(action="phase").exists()


def test_schedule_applies_once_and_never_goes_back(blank_class, teacher):
    debate, _ = blank_class
    now = timezone.now()
    services.phase_schedule_set(
        user=teacher,
        debate=debate,
        entries=[
            ("opening", now + timedelta(minutes=1)),
            ("rebuttal", now + timedelta(minutes=2)),
            ("voting", now + timedelta(minutes=10)),
        ],
    )

    assert services.scheduled_phases_apply(now) == 0
    assert services.scheduled_phases_apply(now + timedelta(minutes=3)) == 1
    debate.refresh_from_db()
    assert debate.phase == "rebuttal"  # the latest due phase, once
    assert services.scheduled_phases_apply(now + timedelta(minutes=3)) == 0
    assert ModerationAction.objects.filter(action="phase").count() == 1

    services.phase_set(user=teacher, debate=debate, phase="reflection")
    assert services.scheduled_phases_apply(now + timedelta(minutes=11)) == 0
    debate.refresh_from_db()
    assert debate.phase == "reflection"
    assert ScheduledPhase.objects.filter(applied__isnull=True).count() == 0


def test_schedule_refuses_the_past_and_unknown_phases(blank_class, teacher):
    debate, _ = blank_class
    for entries in (
        [("opening", timezone.now() - timedelta(minutes=1))],
        [("dance", timezone.now() + timedelta(minutes=1))],
    ):
        with pytest.raises(ValidationError):
            services.phase_schedule_set(user=teacher, debate=debate, entries=entries)
    assert ScheduledPhase.objects.count() == 0
