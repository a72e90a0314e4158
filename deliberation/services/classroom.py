"""Classroom and workshop sessions as acts of the teacher (or facilitator) and
of pupils: make a class, join with a code and a pseudonym, rosters, sides and
teams, small-group copies, phases and their schedule."""

import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from claims import services as claim_services
from claims.formats.yaml_debate import parse_yaml_debate
from claims.models import Claim, ClaimRevision
from deliberation import names, phases
from deliberation.events import publish_on_commit
from deliberation.invitations import CODE_ALPHABET
from deliberation.models import Debate, Membership, ModerationAction, ScheduledPhase
from deliberation.selectors.classroom import next_scheduled
from deliberation.selectors.interchange import debate_document_for
from deliberation.services.common import check_moderator, check_perm
from deliberation.services.debates import debate_create
from deliberation.services.membership import (
    debate_locked,
    default_code_expiry,
    guest_create,
    publish_members_changed,
    taken_animal_names,
    taken_pseudonyms,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "claims" / "demo" / "ai_policing.yaml"
ROSTER_MAX = 60
PARTICIPANTS = (Membership.Role.PARTICIPANT, Membership.Role.SUGGESTER)


def _check_teacher(user, debate: Debate) -> None:
    check_moderator(
        user, debate, "Only the teacher or a moderator of this debate may do this."
    )


def _visible_document(debate: Debate):
    """What a copy takes: the visible map (no hidden or pending claims, even
    when the teacher moderates the original), sources and citations."""
    return debate_document_for(debate=debate, user=AnonymousUser())


# --- Making a class ----------------------------------------------------------


@transaction.atomic
def class_create(
    *,
    owner,
    start: str,
    question: str = "",
    from_debate: Debate | None = None,
    mode: str = Debate.Mode.CLASSROOM,
    anonymity: bool = True,
    name: str = "",
    description: str = "",
) -> Debate:
    """A classroom (or workshop) debate from the built-in template, as a copy
    of a debate the owner may read, or blank, named ``name`` (the question
    when blank). Private: only those with the code or link get in. A
    classroom starts in its first phase. Only teachers (`rules.is_teacher`)
    may."""
    check_perm(owner, "deliberation.create_class", None)
    if start == "template":
        document = parse_yaml_debate(TEMPLATE.read_text(encoding="utf-8"))
    elif start == "copy":
        if from_debate is None or not owner.has_perm(
            "deliberation.view_debate", from_debate
        ):
            raise ValidationError({"from_debate": "Choose a debate you can read."})
        document = _visible_document(from_debate)
    elif start == "blank":
        if not question.strip():
            raise ValidationError({"question": "Write the question to debate."})
        document = None
    else:
        raise ValidationError({"start": "Start from the template, a copy or blank."})
    debate = debate_create(
        owner=owner,
        question=question.strip() or document.question,
        description=document.description if document else "",
        visibility=Debate.Visibility.PRIVATE,
        mode=mode,
    )
    debate.anonymity = anonymity
    debate.class_name = name.strip()[:120]
    debate.class_description = description.strip()[:1000]
    if mode == Debate.Mode.CLASSROOM:
        debate.phase, debate.phase_changed = phases.PREPARE, timezone.now()
    debate.save(
        update_fields=[
            "anonymity",
            "class_name",
            "class_description",
            "phase",
            "phase_changed",
            "updated",
        ]
    )
    if document is not None:
        claim_services.document_import(debate=debate, document=document, author=owner)
    return debate


@transaction.atomic
def joining_set(
    *, user, debate: Debate, joining_open: bool, expires: datetime | None
) -> Debate:
    """Open or close joining, and let the code expire at a time (None: renew
    it for JOIN_CODE_DAYS from now)."""
    _check_teacher(user, debate)
    debate = debate_locked(debate)
    debate.joining_open = joining_open
    debate.join_code_expires = expires or default_code_expiry()
    debate.save(update_fields=["joining_open", "join_code_expires", "updated"])
    return debate


# --- Rosters and login cards -------------------------------------------------


@dataclass(frozen=True)
class LoginCard:
    pseudonym: str
    username: str
    password: str


def _card_password() -> str:
    """Eight characters without look-alikes, in two groups: easy to copy
    from paper, about 40 bits."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@transaction.atomic
def roster_create(
    *, user, debate: Debate, pseudonyms: list[str] = (), count: int = 0
) -> list[LoginCard]:
    """Guest accounts with passwords for a class, printed as login cards.
    Passwords are shown once (stored hashed); a new roster makes new ones.
    Pseudonyms are given, or generated animal names for ``count`` pupils."""
    _check_teacher(user, debate)
    debate = debate_locked(debate)
    pseudonyms = [p.strip() for p in pseudonyms if p.strip()]
    animals = taken_animal_names(debate)
    if not pseudonyms:
        if not 1 <= count <= ROSTER_MAX:
            raise ValidationError(
                {"count": f"Make between 1 and {ROSTER_MAX} accounts at a time."}
            )
        pool = set(animals)
        for _ in range(count):
            pseudonyms.append(names.animal_name(pool))
            pool.add(pseudonyms[-1])
    if len(pseudonyms) > ROSTER_MAX:
        raise ValidationError({"pseudonyms": f"At most {ROSTER_MAX} pupils at a time."})
    taken = taken_pseudonyms(debate)
    cards = []
    for line, pseudonym in enumerate(pseudonyms, start=1):
        try:
            membership = guest_create(debate, pseudonym, taken=taken, animals=animals)
        except ValidationError as error:
            raise ValidationError(
                {"pseudonyms": f"Line {line} ({pseudonym}): {error.messages[0]}"}
            ) from None
        password = _card_password()
        membership.user.set_password(password)
        membership.user.save(update_fields=["password"])
        cards.append(LoginCard(pseudonym, membership.user.username, password))
    publish_members_changed(debate)
    return cards


# --- Sides and teams ---------------------------------------------------------


def _participants(debate: Debate):
    return Membership.objects.filter(
        debate=debate, role__in=PARTICIPANTS, status=Membership.Status.ACTIVE
    ).order_by("pk")


def _audit_sides(user, debate: Debate, how: str, changed: int) -> None:
    ModerationAction.objects.create(
        debate=debate,
        actor=user,
        action=ModerationAction.Action.ASSIGN_SIDES,
        after={"how": how, "members": changed},
    )


@transaction.atomic
def sides_balance(
    *, user, debate: Debate, teams_per_side: int = 0, seed: int | None = None
) -> dict[str, int]:
    """Every active participant gets a side at random, the two sides differing
    by at most one; with ``teams_per_side``, teams within each side too
    ("For 1", "Against 2"...). Returns the count per side."""
    _check_teacher(user, debate)
    if not 0 <= teams_per_side <= 10:
        raise ValidationError({"teams_per_side": "Between 0 and 10 teams per side."})
    members = list(_participants(debate).select_for_update())
    random.Random(seed).shuffle(members)
    counts = {side: 0 for side in phases.SIDES}
    for index, member in enumerate(members):
        side = phases.SIDES[index % 2]
        member.side = side
        position = counts[side]
        counts[side] += 1
        member.team = (
            f"{side.capitalize()} {position % teams_per_side + 1}"
            if teams_per_side
            else ""
        )
    Membership.objects.bulk_update(members, ["side", "team"])
    _audit_sides(user, debate, "random", len(members))
    publish_members_changed(debate)
    return counts


@transaction.atomic
def sides_set(*, user, debate: Debate, assignments: dict[int, tuple[str, str]]) -> int:
    """Sides and teams by hand: membership id → (side, team). A blank side
    takes the member out of both sides."""
    _check_teacher(user, debate)
    members = {
        m.pk: m
        for m in Membership.objects.select_for_update().filter(
            debate=debate, pk__in=list(assignments)
        )
    }
    if set(members) != set(assignments):
        raise ValidationError("Some of these people are not in this debate.")
    changed = []
    for pk, (side, team) in assignments.items():
        if side not in ("", *phases.SIDES):
            raise ValidationError({"side": f"Unknown side {side!r}."})
        team = team.strip()[:40]
        member = members[pk]
        if (member.side, member.team) != (side, team):
            member.side, member.team = side, team
            changed.append(member)
    Membership.objects.bulk_update(changed, ["side", "team"])
    if changed:
        _audit_sides(user, debate, "by hand", len(changed))
        publish_members_changed(debate)
    return len(changed)


# --- Small-group copies ------------------------------------------------------


@transaction.atomic
def group_copies_create(*, user, debate: Debate) -> list[Debate]:
    """Each team gets its own copy of the class debate's argument map, with
    the team's members in it (same pseudonyms, sides and names) and the
    teacher as owner. Teams that have a copy already keep it."""
    _check_teacher(user, debate)
    if debate.parent_id:
        raise ValidationError("A group copy cannot have copies of its own.")
    teams: dict[str, list[Membership]] = {}
    for member in _participants(debate).exclude(team=""):
        teams.setdefault(member.team, []).append(member)
    if not teams:
        raise ValidationError("Give people teams first (Sides and teams).")
    existing = set(debate.group_copies.values_list("team", flat=True))
    document = _visible_document(debate)
    made = []
    for team, members in sorted(teams.items()):
        if team in existing:
            continue
        copy = debate_create(
            owner=debate.owner,
            question=debate.question,
            description=debate.description,
            visibility=Debate.Visibility.PRIVATE,
            mode=debate.mode,
        )
        copy.parent, copy.team = debate, team
        copy.class_name = f"{debate.title} · {team}"[:120]
        copy.class_description = debate.class_description
        copy.anonymity, copy.phase = debate.anonymity, debate.phase
        copy.phase_changed, copy.joining_open = debate.phase_changed, False
        copy.voting_enabled, copy.premoderation = (
            debate.voting_enabled,
            debate.premoderation,
        )
        copy.save()
        claim_services.document_import(
            debate=copy, document=document, author=debate.owner
        )
        _keep_authors(copy, original=debate)
        Membership.objects.bulk_create(
            Membership(
                debate=copy,
                user_id=m.user_id,
                role=m.role,
                pseudonym=m.pseudonym,
                animal_name=m.animal_name,
                guest=m.guest,
                side=m.side,
                team=m.team,
            )
            for m in members
        )
        if user.pk != debate.owner_id:
            Membership.objects.get_or_create(
                debate=copy, user=user, defaults={"role": Membership.Role.MODERATOR}
            )
        made.append(copy)
    return made


def _keep_authors(copy: Debate, *, original: Debate) -> None:
    """A copy's claims (and their first revisions) keep the authors of the
    claims they copy, matched by the document's key (the original's id): a
    pupil's claim stays the pupil's, for names, results and erasure, instead
    of becoming the teacher's."""
    authors = dict(Claim.objects.filter(debate=original).values_list("pk", "author_id"))
    changed = []
    for claim in Claim.objects.filter(debate=copy).only("pk", "key", "author_id"):
        author_id = authors.get(int(claim.key)) if claim.key.isdigit() else None
        if claim.author_id != author_id:
            claim.author_id = author_id
            changed.append(claim)
    Claim.objects.bulk_update(changed, ["author"], batch_size=1000)
    ClaimRevision.objects.filter(claim__debate=copy, number=1).update(
        author_id=Subquery(
            Claim.objects.filter(pk=OuterRef("claim_id")).values("author_id")[:1]
        )
    )


# --- Phases ------------------------------------------------------------------


def _apply_phase(debate: Debate, phase: str, *, actor, now: datetime) -> None:
    """Set the phase of ``debate`` and its group copies, audit it and tell
    every open page (the caller checked the rules and holds the lock)."""
    before = debate.phase
    family = [debate, *Debate.objects.filter(parent=debate)]
    for member in family:
        member.phase, member.phase_changed = phase, now
        if phase == phases.CLOSED and member.closed_at is None:
            member.closed_at = now
        elif phase != phases.CLOSED:
            member.closed_at = None
        member.save(update_fields=["phase", "phase_changed", "closed_at", "updated"])
        ModerationAction.objects.create(
            debate=member,
            actor=actor,
            action=ModerationAction.Action.PHASE,
            before={"phase": before},
            after={"phase": phase},
        )
        _publish_phase(member, upcoming=next_scheduled(member, now=now))


def _publish_phase(debate: Debate, *, upcoming: ScheduledPhase | None) -> None:
    """Tell open pages the phase and the next scheduled one (for the banner
    and its countdown)."""
    publish_on_commit(
        debate_id=debate.pk,
        event="phase.changed",
        payload={
            "phase": debate.phase,
            "label": phases.label(debate.phase),
            "hint": phases.hint(debate.phase),
            "next_label": phases.label(upcoming.phase) if upcoming else "",
            "next_at": upcoming.starts_at.isoformat() if upcoming else "",
        },
    )


@transaction.atomic
def phase_set(*, user, debate: Debate, phase: str) -> Debate:
    """The teacher moves the class to ``phase`` (any phase, back or forth)."""
    _check_teacher(user, debate)
    if phase not in phases.ORDER and phase != "":
        raise ValidationError({"phase": f"Unknown phase {phase!r}."})
    if debate.parent_id:
        raise ValidationError("Group copies follow the phase of their class.")
    debate = debate_locked(debate)
    if debate.phase != phase:
        _apply_phase(debate, phase, actor=user, now=timezone.now())
    return debate


@transaction.atomic
def phase_schedule_set(
    *, user, debate: Debate, entries: list[tuple[str, datetime]]
) -> list[ScheduledPhase]:
    """Replace the phases still to come with ``entries`` (phase, start)."""
    _check_teacher(user, debate)
    now = timezone.now()
    seen = set()
    for phase, starts_at in entries:
        if phase not in phases.ORDER:
            raise ValidationError({"phase": f"Unknown phase {phase!r}."})
        if phase in seen:
            raise ValidationError({"phase": f"{phase} is scheduled twice."})
        if starts_at <= now:
            raise ValidationError({"starts_at": "Schedule phases in the future."})
        seen.add(phase)
    debate = debate_locked(debate)
    ScheduledPhase.objects.filter(debate=debate).filter(applied__isnull=True).delete()
    ScheduledPhase.objects.filter(debate=debate, phase__in=seen).delete()
    rows = ScheduledPhase.objects.bulk_create(
        ScheduledPhase(debate=debate, phase=phase, starts_at=starts_at)
        for phase, starts_at in sorted(entries, key=lambda e: e[1])
    )
    _publish_phase(debate, upcoming=rows[0] if rows else None)
    return rows


def scheduled_phases_apply(
    now: datetime | None = None, *, debate: Debate | None = None
) -> int:
    """Open the phases whose time has come (run by Celery beat every few
    seconds). Idempotent: a row is applied once; two workers never apply the
    same row (skip locked); a debate the teacher already moved past a
    scheduled phase is not moved back. Returns the number of debates moved.
    With ``debate``, only that one (a page whose countdown reached zero asks;
    the embedded default runs no beat)."""
    now = now or timezone.now()
    moved = 0
    with transaction.atomic():
        rows = ScheduledPhase.objects.filter(applied__isnull=True, starts_at__lte=now)
        if debate is not None:
            rows = rows.filter(debate=debate)
        due = list(
            rows.select_for_update(skip_locked=True).order_by("debate_id", "starts_at")
        )
        latest: dict[int, ScheduledPhase] = {}
        for row in due:
            latest[row.debate_id] = row
        for debate_id, row in latest.items():
            locked = Debate.objects.select_for_update().get(pk=debate_id)
            current = phases.ORDER.index(locked.phase) if locked.phase else -1
            if phases.ORDER.index(row.phase) > current:
                _apply_phase(locked, row.phase, actor=None, now=now)
                moved += 1
        ScheduledPhase.objects.filter(pk__in=[r.pk for r in due]).update(applied=now)
    return moved
