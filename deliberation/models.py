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
    side = models.CharField(
        max_length=40, blank=True, help_text="Side in a classroom debate, e.g. for."
    )
    team = models.CharField(max_length=40, blank=True)
    share_votes = models.BooleanField(
        default=False, help_text="Consents to others viewing this member's votes."
    )
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


class Vote(models.Model):
    """A stance on a claim (Pol.is semantics); one per person and claim."""

    class Stance(models.TextChoices):
        AGREE = "agree", "Agree"
        DISAGREE = "disagree", "Disagree"
        PASS = "pass", "Pass"

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    stance = models.CharField(max_length=8, choices=Stance.choices)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "user"], name="vote_one_per_person"
            ),
        ]
        indexes = [models.Index(fields=["claim", "stance"])]

    def __str__(self):
        return f"{self.user_id} {self.stance} {self.claim_id}"


class Impact(models.Model):
    """How much a pro or con bears on its parent if true, 0–4 (Kialo semantics)."""

    SCALE = [
        (0, "no bearing"),
        (1, "slight"),
        (2, "moderate"),
        (3, "strong"),
        (4, "decisive"),
    ]

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="impacts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="impacts"
    )
    value = models.PositiveSmallIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "user"], name="impact_one_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(value__lte=4), name="impact_value_0_to_4"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} rates {self.claim_id} at {self.value}"


class Comment(models.Model):
    """Threaded discussion on a claim or on an annotation (exactly one), with
    the author's alignment. Replies nest at most MAX_DEPTH deep. Deleting is
    soft: the thread shows "[deleted]" in its place and the replies stay."""

    MAX_DEPTH = 3

    class Alignment(models.TextChoices):
        FOR = "for", "For"
        NEUTRAL = "neutral", "Neutral"
        AGAINST = "against", "Against"

    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, related_name="comments"
    )
    claim = models.ForeignKey(
        "claims.Claim",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    annotation = models.ForeignKey(
        "claims.Annotation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    alignment = models.CharField(
        max_length=8, choices=Alignment.choices, default=Alignment.NEUTRAL
    )
    body = models.TextField(help_text="Markdown, sanitised on display.")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [
            models.Index(fields=["claim", "created"]),
            models.Index(fields=["annotation", "created"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim__isnull=False, annotation__isnull=True)
                | models.Q(claim__isnull=True, annotation__isnull=False),
                name="comment_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(depth__gte=1, depth__lte=3),
                name="comment_depth_1_to_3",
            ),
        ]

    def __str__(self):
        return f"comment {self.pk} by {self.author_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CommentRevision(models.Model):
    """One version of a comment: number 1 is the comment as first posted."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    alignment = models.CharField(max_length=8, choices=Comment.Alignment.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "number"], name="comment_revision_number_unique"
            )
        ]

    def __str__(self):
        return f"comment {self.comment_id} r{self.number}"
