"""A class built directly (the classroom services are not needed): a teacher,
guest pupils with pseudonyms, animal names, sides and teams, and their work."""

import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from claims.models import Annotation
from claims.services import annotation_create
from deliberation.models import Comment, Debate, Flag, Membership, Vote
from tests.factories import DebateFactory, UserFactory, make_claim, make_source

SOURCE_TEXT = "Cameras were installed on every corner. Crime fell in the first year."


@dataclass
class Class:
    debate: Debate
    teacher: object
    thesis: object
    source: object
    pupils: list = field(default_factory=list)  # (user, membership)


def guest(debate, i, *, side="", team="", pseudonym=None, **user_fields):
    user = get_user_model().objects.create(
        username=f"guest-{uuid.uuid4().hex[:8]}", **user_fields
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    membership = Membership.objects.create(
        debate=debate,
        user=user,
        guest=True,
        pseudonym=pseudonym or f"Pupil Zephyr{i}",
        animal_name=f"Quokka Number{i}",
        side=side,
        team=team,
    )
    return user, membership


def make_class(n: int = 2, *, join_code="KTR7PQ", **debate_fields) -> Class:
    teacher = UserFactory()
    debate = DebateFactory(
        owner=teacher, mode=Debate.Mode.CLASSROOM, join_code=join_code, **debate_fields
    )
    Membership.objects.create(debate=debate, user=teacher, role=Membership.Role.OWNER)
    thesis = make_claim(debate, text="Cameras make streets safer.", author=teacher)
    source = make_source(debate, key="report", text=SOURCE_TEXT)
    klass = Class(debate=debate, teacher=teacher, thesis=thesis, source=source)
    for i in range(n):
        side = "for" if i % 2 == 0 else "against"
        klass.pupils.append(guest(debate, i, side=side, team=f"team {i % 3}"))
    return klass


def contribute(klass: Class, user, *, claims=1, evidence=0, comments=0, vote=None):
    """Claims under the thesis, evidence annotations on the first of them,
    comments on the thesis and a vote on it; returns the claims."""
    made = [
        make_claim(
            klass.debate,
            parent=klass.thesis,
            stance="pro",
            text=f"Reason {j} from a pupil.",
            author=user,
        )
        for j in range(claims)
    ]
    for _ in range(evidence):
        annotation_create(
            debate=klass.debate,
            source=klass.source,
            quote="Crime fell",
            creator=user,
            evidence_claim=made[0] if made else klass.thesis,
            relation=Annotation.Relation.SUPPORTS,
        )
    for j in range(comments):
        Comment.objects.create(
            debate=klass.debate, claim=klass.thesis, author=user, body=f"Note {j}."
        )
    if vote:
        Vote.objects.create(claim=klass.thesis, user=user, stance=vote)
    return made


def flag(klass: Class, flagger, item):
    kind = {"Claim": "claim", "Annotation": "annotation", "Comment": "comment"}
    return Flag.objects.create(
        debate=klass.debate,
        flagger=flagger,
        reason=Flag.Reason.UNCLEAR,
        **{kind[type(item).__name__]: item},
    )
