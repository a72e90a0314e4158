import itertools

import factory
from django.contrib.auth import get_user_model

from deliberation.models import Debate, Membership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-correct-horse-9")


class DebateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debate

    slug = factory.Sequence(lambda n: f"debate-{n}")
    question = factory.Sequence(lambda n: f"Should question {n} be settled?")
    owner = factory.SubFactory(UserFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    debate = factory.SubFactory(DebateFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.PARTICIPANT


# --- Argument map and roles (content through the services, as in production) --

_claim_numbers = itertools.count(1)
_source_numbers = itertools.count(1)


def make_claim(debate, parent=None, stance="", text=None, **kwargs):
    """A thesis (no parent) or a pro/con (stance defaults to pro) written by
    ``claims.services.claim_create``, so paths and revision 1 are real."""
    from claims.services import claim_create

    if parent is not None and not stance:
        stance = "pro"
    if text is None:
        text = f"Claim number {next(_claim_numbers)}."
    return claim_create(
        debate=debate, parent=parent, stance=stance, text=text, **kwargs
    )


def make_source(debate, key=None, title=None, text=None, **kwargs):
    """A source written by ``claims.services.source_create`` (with revision 1)."""
    from claims.services import source_create

    n = next(_source_numbers)
    return source_create(
        debate=debate,
        key=key or f"source-{n}",
        title=title or f"Source {n}",
        text=text or f"The text of source {n}, with a passage worth citing.",
        **kwargs,
    )


ROLES = ("anonymous", "outsider", "participant", "moderator", "owner")


def make_actor(debate, role):
    """A user in ``role`` towards ``debate`` (None for anonymous). The owner
    also holds the owner membership, as after ``debate_create``."""
    if role == "anonymous":
        return None
    if role == "outsider":
        return UserFactory()
    if role == "owner":
        Membership.objects.get_or_create(
            debate=debate, user=debate.owner, defaults={"role": Membership.Role.OWNER}
        )
        return debate.owner
    return MembershipFactory(debate=debate, role=role).user
