"""The debate as a process among people: debates and memberships."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Debate(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public (listed)"
        UNLISTED = "unlisted", "Unlisted (anyone with the link)"
        PRIVATE = "private", "Private (members only)"

    class Mode(models.TextChoices):
        OPEN = "open", "Open"
        CLASSROOM = "classroom", "Classroom"
        WORKSHOP = "workshop", "Workshop"

    slug = models.SlugField(max_length=100, unique=True)
    question = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_debates",
    )
    voting_enabled = models.BooleanField(default=True)
    premoderation = models.BooleanField(
        default=False, help_text="Contributions wait for a moderator's approval."
    )
    anonymity = models.BooleanField(
        default=False, help_text="Participants see each other under generated names."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("debate_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A person in a debate, with a role and an optional pseudonym."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MODERATOR = "moderator", "Moderator"
        PARTICIPANT = "participant", "Participant"
        SUGGESTER = "suggester", "Suggester"
        OBSERVER = "observer", "Observer"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=12, choices=Role.choices, default=Role.PARTICIPANT
    )
    pseudonym = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["debate", "user"], name="membership_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.debate.slug} ({self.role})"
