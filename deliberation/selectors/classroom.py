"""Reads for the teacher's class dashboard: who is in, who is online, what each
pupil and side has contributed. A fixed number of queries, whatever the class
size (tested)."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from claims.models import Annotation, Claim
from deliberation import phases
from deliberation.models import Comment, Debate, Flag, Membership, Vote
from deliberation.rules import MODERATING_ROLES

PRESENCE_SECONDS = 75  # a page pings every 30 s; two missed pings: offline


def presence_key(debate_id: int, user_id: int) -> str:
    return f"presence:{debate_id}:{user_id}"


def online_user_ids(debate_id: int, user_ids) -> set[int]:
    keys = {presence_key(debate_id, uid): uid for uid in user_ids}
    return {keys[key] for key in cache.get_many(list(keys))} if keys else set()


@dataclass
class PupilRow:
    membership: Membership
    online: bool = False
    claims: int = 0
    annotations: int = 0
    comments: int = 0
    votes: int = 0

    @property
    def contributions(self) -> int:
        return self.claims + self.annotations + self.comments


@dataclass
class SideRow:
    side: str
    members: int = 0
    online: int = 0
    claims: int = 0
    annotations: int = 0
    comments: int = 0
    votes: int = 0


@dataclass
class Dashboard:
    debate: Debate
    pupils: list[PupilRow] = field(default_factory=list)
    sides: list[SideRow] = field(default_factory=list)
    votes_cast: int = 0
    flags_waiting: int = 0
    online: int = 0
    next_phase: object = None
    schedule: list = field(default_factory=list)


def _per_user(queryset, user_field: str) -> Counter:
    rows = queryset.values(user_field).annotate(n=Count("pk")).order_by()
    return Counter({row[user_field]: row["n"] for row in rows})


def class_dashboard(debate: Debate) -> Dashboard:
    members = list(
        Membership.objects.filter(debate=debate)
        .exclude(status=Membership.Status.REMOVED)
        .exclude(role__in=MODERATING_ROLES)
        .select_related("user")
        .order_by("side", "team", "pseudonym", "pk")
    )
    claims = _per_user(
        Claim.objects.filter(debate=debate, depth__gt=1).exclude(
            status=Claim.Status.HIDDEN
        ),
        "author_id",
    )
    annotations = _per_user(
        Annotation.objects.filter(debate=debate, deleted_at__isnull=True), "creator_id"
    )
    comments = _per_user(
        Comment.objects.filter(debate=debate, deleted_at__isnull=True), "author_id"
    )
    votes = _per_user(Vote.objects.filter(claim__debate=debate), "user_id")
    online = online_user_ids(debate.pk, [m.user_id for m in members])
    board = Dashboard(debate=debate)
    sides = {side: SideRow(side) for side in (*phases.SIDES, "")}
    for m in members:
        row = PupilRow(
            membership=m,
            online=m.user_id in online,
            claims=claims[m.user_id],
            annotations=annotations[m.user_id],
            comments=comments[m.user_id],
            votes=votes[m.user_id],
        )
        board.pupils.append(row)
        total = sides.setdefault(m.side, SideRow(m.side))
        total.members += 1
        total.online += row.online
        for name in ("claims", "annotations", "comments", "votes"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    board.sides = [row for row in sides.values() if row.members]
    board.votes_cast = sum(votes.values())
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
