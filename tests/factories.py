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
