"""Reads for the teacher's class dashboard: who is in, who is online, what each
pupil and side has contributed. A fixed number of queries, whatever the class
size (tested)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from deliberation.models import Debate, Flag, Membership, ScheduledPhase
from deliberation.selectors.contributions import (
    GRADED_ROLES,
    ClassContributions,
    Counts,
    PupilRow,
    SideRow,
    class_contributions,
    counts_by_debate,
)

PRESENCE_SECONDS = 75  # a page pings every 30 s; two missed pings: offline


def presence_key(debate_id: int, user_id: int) -> str:
    return f"presence:{debate_id}:{user_id}"


def online_user_ids(debate_id: int, user_ids) -> set[int]:
    keys = {presence_key(debate_id, uid): uid for uid in user_ids}
    return {keys[key] for key in cache.get_many(list(keys))} if keys else set()


@dataclass
class Dashboard:
    debate: Debate
    contributions: ClassContributions
    flags_waiting: int = 0
    online: int = 0
    next_phase: object = None
    schedule: list = field(default_factory=list)

    @property
    def pupils(self) -> list[PupilRow]:
        return self.contributions.pupils

    @property
    def sides(self) -> list[SideRow]:
        return self.contributions.sides


def class_dashboard(debate: Debate) -> Dashboard:
    """Who is online, each pupil's and side's contributions (the one count,
    see `selectors.contributions`), flags waiting and the phase schedule."""
    board = Dashboard(debate=debate, contributions=class_contributions(debate))
    online = online_user_ids(debate.pk, [r.membership.user_id for r in board.pupils])
    for row in board.pupils:
        row.online = row.membership.user_id in online
    board.online = len(online)
    board.flags_waiting = (
        Flag.objects.filter(debate=debate, status=Flag.Status.OPEN)
        .values("claim_id", "annotation_id", "comment_id")
        .distinct()
        .count()
    )
    board.schedule = list(debate.scheduled_phases.filter(applied__isnull=True))
    now = timezone.now()
    board.next_phase = next((s for s in board.schedule if s.starts_at > now), None)
    return board


def member_sides(debate: Debate) -> dict[int, str]:
    """User id -> side, for members given a side (classroom debates)."""
    return dict(
        Membership.objects.filter(debate=debate)
        .exclude(side="")
        .values_list("user_id", "side")
    )


def next_scheduled(debate: Debate, now: datetime | None = None):
    """The next phase the schedule will open, if any (for the countdown)."""
    return (
        ScheduledPhase.objects.filter(
            debate=debate, applied__isnull=True, starts_at__gt=now or timezone.now()
        )
        .order_by("starts_at")
        .first()
    )


@dataclass
class ClassCard:
    """A line of the teacher's "My classes": the class and its state."""

    debate: Debate
    pupils: int = 0  # joined and not removed
    contributions: Counts = field(default_factory=Counts)  # the pupils' own
    flags_waiting: int = 0


def classes_of(user) -> list[ClassCard]:
    """The classes and workshops ``user`` runs (owns or moderates; not the
    small-group copies, which their class's dashboard lists), newest first,
    with pupils joined, the pupils' contributions (the one count) and flags
    waiting. Four queries, whatever the number of classes (tested)."""
    if not user.is_authenticated:
        return []
    runs = Q(owner=user) | Q(
        memberships__user=user, memberships__role=Membership.Role.MODERATOR
    )
    debates = list(
        Debate.objects.filter(runs, parent__isnull=True)
        .exclude(mode=Debate.Mode.OPEN)
        .distinct()
        .order_by("-created", "-pk")
    )
    cards = {d.pk: ClassCard(debate=d) for d in debates}
    if not cards:
        return []
    pupils: dict[int, set[int]] = {pk: set() for pk in cards}
    for debate_id, user_id, status in Membership.objects.filter(
        debate_id__in=cards, role__in=GRADED_ROLES
    ).values_list("debate_id", "user_id", "status"):
        pupils[debate_id].add(user_id)
        if status != Membership.Status.REMOVED:
            cards[debate_id].pupils += 1
    for debate_id, people in counts_by_debate(debates).items():
        for person, counts in people.items():
            if person in pupils[debate_id]:
                cards[debate_id].contributions.add(counts)
    for debate_id, _claim, _annotation, _comment in (
        Flag.objects.filter(debate_id__in=cards, status=Flag.Status.OPEN)
        .order_by()
        .values_list("debate_id", "claim_id", "annotation_id", "comment_id")
        .distinct()
    ):
        cards[debate_id].flags_waiting += 1
    return list(cards.values())
