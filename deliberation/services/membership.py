"""Joining a debate by code or invitation link (signed in, or as a guest
with a pseudonym), and renewing code and link."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from deliberation import names, phases
from deliberation.events import publish_on_commit
from deliberation.invitations import new_invite_token, new_join_code, normalise_code
from deliberation.models import Debate, Membership, ModerationAction
from deliberation.rules import remember_membership
from deliberation.services.common import check_perm


def invitation_assign(debate: Debate) -> None:
    """Give ``debate`` a fresh join code and invitation token (not saved),
    good for JOIN_CODE_DAYS."""
    code = new_join_code()
    while Debate.objects.filter(join_code=code).exists():  # 1 in ~900 million
        code = new_join_code()
    debate.join_code, debate.invite_token = code, new_invite_token()
    debate.join_code_expires = default_code_expiry()


def default_code_expiry(now: datetime | None = None) -> datetime | None:
    """When a code made or renewed now stops working (None: never)."""
    days = settings.JOIN_CODE_DAYS
    return (now or timezone.now()) + timedelta(days=days) if days else None


def join_code_expiry(debate: Debate) -> datetime | None:
    """When ``debate``'s code and link stop working: the time set, or (for a
    debate made before codes expired by default) JOIN_CODE_DAYS after it was
    made."""
    if debate.join_code_expires is not None:
        return debate.join_code_expires
    return default_code_expiry(debate.created) if debate.created else None


def code_expired(debate: Debate, now: datetime | None = None) -> bool:
    expiry = join_code_expiry(debate)
    return expiry is not None and expiry <= (now or timezone.now())


@transaction.atomic
def invitation_reset(*, user, debate: Debate) -> Debate:
    """A moderator renews code and link: the old ones stop working."""
    check_perm(
        user, "deliberation.moderate_debate", debate, "Only moderators may do this."
    )
    debate = Debate.objects.select_for_update().get(pk=debate.pk)
    before = {"join_code": debate.join_code}
    invitation_assign(debate)
    debate.save(
        update_fields=["join_code", "invite_token", "join_code_expires", "updated"]
    )
    ModerationAction.objects.create(
        debate=debate,
        actor=user,
        action=ModerationAction.Action.RESET_INVITATION,
        before=before,
        after={"join_code": debate.join_code},
    )
    return debate


# A wrong code and an expired one get the same answer.
NO_SUCH_CODE = (
    "No debate has this code, or the code has expired. Check it, or ask your "
    "teacher or facilitator for a new one."
)


def debate_by_code(code: str) -> Debate | None:
    """The debate whose code this is, or None when none has it or it has
    expired: the same answer, so a guess learns nothing from it."""
    code = normalise_code(code)
    debate = Debate.objects.filter(join_code=code).first() if code else None
    return None if debate is None or code_expired(debate) else debate


def debate_by_token(token: str) -> Debate | None:
    return Debate.objects.filter(invite_token=token).first() if token else None


def joining_problem(debate: Debate, now: datetime | None = None) -> str:
    """Why nobody new may join ``debate`` now, or ""."""
    now = now or timezone.now()
    if debate.phase == phases.CLOSED:
        return "This debate is closed."
    if not debate.joining_open:
        return "Joining this debate is closed. Ask your teacher or facilitator."
    if code_expired(debate, now):
        return "This code has expired. Ask your teacher or facilitator for a new one."
    return ""


def _free_username(prefix: str) -> str:
    User = get_user_model()
    while True:
        username = f"{prefix}-{secrets.token_hex(4)}"
        if not User.objects.filter(username=username).exists():
            return username


def taken_pseudonyms(debate: Debate) -> set[str]:
    return {
        names.pseudonym_key(p)
        for p in Membership.objects.filter(debate=debate).values_list(
            "pseudonym", flat=True
        )
        if p
    }


def taken_animal_names(debate: Debate) -> set[str]:
    return set(
        Membership.objects.filter(debate=debate).values_list("animal_name", flat=True)
    )


def check_pseudonym(pseudonym: str, taken: set[str]) -> None:
    """ValidationError unless ``pseudonym`` is allowed and not in ``taken``."""
    problem = names.pseudonym_problem(pseudonym)
    if problem:
        raise ValidationError({"pseudonym": problem})
    if names.pseudonym_key(pseudonym) in taken:
        raise ValidationError(
            {"pseudonym": "Someone in this debate already uses this pseudonym."}
        )


def guest_create(debate: Debate, pseudonym: str, *, taken: set[str], animals: set[str]):
    """A guest account and its membership (the caller holds the debate lock)."""
    check_pseudonym(pseudonym, taken)
    # The pseudonym is the guest's name in the page header too.
    user = get_user_model()(
        username=_free_username("guest"), first_name=pseudonym.strip()[:150]
    )
    user.set_unusable_password()
    user.save()
    animal = names.animal_name(animals)
    membership = Membership.objects.create(
        debate=debate,
        user=user,
        role=Membership.Role.PARTICIPANT,
        pseudonym=pseudonym.strip(),
        animal_name=animal,
        guest=True,
    )
    taken.add(names.pseudonym_key(pseudonym))
    animals.add(animal)
    return membership


def debate_locked(debate: Debate) -> Debate:
    """Serialise joins per debate so two pupils never get the same pseudonym."""
    return Debate.objects.select_for_update().get(pk=debate.pk)


@transaction.atomic
def guest_join(*, debate: Debate, pseudonym: str) -> Membership:
    """Someone without an account joins with the code (or link) and a
    pseudonym: a guest account is made for this debate only (no email, no
    password; erased with the class)."""
    debate = debate_locked(debate)
    problem = joining_problem(debate)
    if problem:
        raise ValidationError(problem)
    membership = guest_create(
        debate,
        pseudonym,
        taken=taken_pseudonyms(debate),
        animals=taken_animal_names(debate),
    )
    publish_members_changed(debate)
    return membership


@transaction.atomic
def debate_join(*, user, debate: Debate, pseudonym: str = "") -> Membership:
    """A signed-in person joins with the code or link, optionally under a
    pseudonym (unique in the debate). Existing members keep their role;
    removed members stay out."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to join a debate.")
    debate = debate_locked(debate)
    membership = Membership.objects.filter(debate=debate, user=user).first()
    if membership is not None:
        if membership.status == Membership.Status.REMOVED:
            raise ValidationError("A moderator removed you from this debate.")
        remember_membership(user, membership)
        return membership
    problem = joining_problem(debate)
    if problem:
        raise ValidationError(problem)
    if pseudonym.strip():
        check_pseudonym(pseudonym, taken_pseudonyms(debate))
    membership = Membership.objects.create(
        debate=debate,
        user=user,
        role=Membership.Role.PARTICIPANT,
        pseudonym=pseudonym.strip(),
        animal_name=names.animal_name(taken_animal_names(debate)),
    )
    remember_membership(user, membership)
    publish_members_changed(debate)
    return membership


def publish_members_changed(debate: Debate) -> None:
    publish_on_commit(debate_id=debate.pk, event="members.changed", payload={})


@transaction.atomic
def share_votes_set(*, user, debate: Debate, share: bool) -> Membership:
    """A member records (or withdraws) their consent to others seeing their
    votes one by one (the ``participant:<id>`` perspective). Their own act
    only: no one else may give it. Joins the debate as a participant if the
    person may take part, as a first act does."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in.")
    check_perm(user, "deliberation.view_debate", debate, "You may not see this.")
    membership = (
        Membership.objects.select_for_update().filter(debate=debate, user=user).first()
    )
    if membership is None or membership.status == Membership.Status.REMOVED:
        raise ValidationError("Only members of this debate may share their votes.")
    if membership.share_votes != share:
        membership.share_votes = share
        membership.save(update_fields=["share_votes"])
    remember_membership(user, membership)
    return membership
