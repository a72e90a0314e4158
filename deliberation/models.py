"""The debate as a process among people: debates and memberships."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from deliberation import phases


class Debate(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public (listed)"
        UNLISTED = "unlisted", "Unlisted (anyone with the link)"
        PRIVATE = "private", "Private (members only)"

    class Mode(models.TextChoices):
        OPEN = "open", "Open"
        CLASSROOM = "classroom", "Classroom"
        WORKSHOP = "workshop", "Workshop"

    class Phase(models.TextChoices):
        """A classroom debate's steps, in order; each enables some features.
        Values and labels come from ``deliberation.phases``, their one place.
        Blank: no phases, everything open."""

        NONE = phases.NONE, phases.LABELS[phases.NONE]
        PREPARE = phases.PREPARE, phases.LABELS[phases.PREPARE]
        OPENING = phases.OPENING, phases.LABELS[phases.OPENING]
        REBUTTAL = phases.REBUTTAL, phases.LABELS[phases.REBUTTAL]
        VOTING = phases.VOTING, phases.LABELS[phases.VOTING]
        REFLECTION = phases.REFLECTION, phases.LABELS[phases.REFLECTION]
        CLOSED = phases.CLOSED, phases.LABELS[phases.CLOSED]

    slug = models.SlugField(max_length=100, unique=True)
    question = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # A class's own name and note for its teacher and pupils ("Year 10 ·
    # Tuesday"), apart from the question debated (which may be shared by
    # many classes made from the same template).
    class_name = models.CharField(
        max_length=120, blank=True, help_text="The class's name (classes only)."
    )
    class_description = models.TextField(
        blank=True, max_length=1000, help_text="A note on the class (optional)."
    )
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
    auto_hide_flags = models.PositiveSmallIntegerField(
        default=3,
        help_text="An item flagged by this many distinct members is hidden until a "
        "moderator reviews it (0: never).",
    )
    moderation_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text="Canned reasons moderators pick beside free text (empty: the "
        "defaults).",
    )
    join_code = models.CharField(
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text="Short code people type to join (no look-alike characters).",
    )
    invite_token = models.CharField(
        max_length=43,
        unique=True,
        null=True,
        blank=True,
        help_text="Secret part of the invitation link.",
    )
    phase = models.CharField(
        max_length=10, choices=Phase.choices, default=Phase.NONE, blank=True
    )
    phase_changed = models.DateTimeField(null=True, blank=True)
    joining_open = models.BooleanField(
        default=True, help_text="New people may join with the code or link."
    )
    join_code_expires = models.DateTimeField(
        null=True, blank=True, help_text="The code and link stop working then."
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the debate entered its closed phase."
    )
    retention_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Purge the debate and its guest accounts this many days after "
        "closing (blank: keep).",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="group_copies",
        help_text="The class debate this is a small-group copy of.",
    )
    team = models.CharField(
        max_length=40, blank=True, help_text="The team a small-group copy is for."
    )
    analysis_groups = models.PositiveSmallIntegerField(
        default=0,
        help_text="Opinion groups in the latest finished analysis (0: none yet); "
        "kept here so the debate page lists them without a query.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("debate_detail", kwargs={"slug": self.slug})

    @property
    def title(self) -> str:
        """What people call it: a class by its name, else the question."""
        return self.class_name or self.question


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
        REMOVED = "removed", "Removed"

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
    animal_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="Generated name others see when the debate is anonymous.",
    )
    guest = models.BooleanField(
        default=False,
        help_text="The account was made for this debate (joined with a pseudonym, "
        "or from a roster) and is erased with it.",
    )
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
    suspended_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A suspension ends by itself at this time.",
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

    def is_active(self, now=None) -> bool:
        """Active, or suspended until a time that has passed (a suspension
        ends by itself; the row is tidied on the member's next act)."""
        if self.status == self.Status.ACTIVE:
            return True
        if self.status == self.Status.SUSPENDED and self.suspended_until:
            return self.suspended_until <= (now or timezone.now())
        return False


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
    hidden_at = models.DateTimeField(
        null=True, blank=True, help_text="Hidden by a moderator (or by flags)."
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
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

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


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


# --- Moderation ---------------------------------------------------------------


def _one_target():
    """Exactly one of claim, annotation, comment."""
    claim = models.Q(claim__isnull=False)
    annotation = models.Q(annotation__isnull=False)
    comment = models.Q(comment__isnull=False)
    return (
        (claim & ~annotation & ~comment)
        | (~claim & annotation & ~comment)
        | (~claim & ~annotation & comment)
    )


class Flag(models.Model):
    """A member's report of a claim, an annotation or a comment: one per member
    and item. Open until a moderator resolves it (upheld when the item is acted
    on, dismissed otherwise). The author is told, never who flagged, and may
    reply once."""

    class Reason(models.TextChoices):
        UNSUPPORTED = "unsupported", "Unsupported"
        UNCLEAR = "unclear", "Unclear"
        NOT_SINGLE = "not_single", "Not a single claim"
        DUPLICATE = "duplicate", "Duplicate"
        OFF_TOPIC = "off_topic", "Off-topic"
        ABUSIVE = "abusive", "Uncivil or abusive"
        SPAM = "spam", "Spam"
        MISINFORMATION = "misinformation", "Misinformation"
        PERSONAL_DATA = "personal_data", "Personal data or doxxing"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Dismissed"

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    claim = models.ForeignKey(
        "claims.Claim",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    annotation = models.ForeignKey(
        "claims.Annotation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    author_reply = models.CharField(max_length=2000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["debate", "status"])]
        constraints = [
            models.CheckConstraint(condition=_one_target(), name="flag_one_target"),
            models.UniqueConstraint(
                fields=["flagger", "claim"],
                condition=models.Q(claim__isnull=False),
                name="flag_one_per_member_claim",
            ),
            models.UniqueConstraint(
                fields=["flagger", "annotation"],
                condition=models.Q(annotation__isnull=False),
                name="flag_one_per_member_annotation",
            ),
            models.UniqueConstraint(
                fields=["flagger", "comment"],
                condition=models.Q(comment__isnull=False),
                name="flag_one_per_member_comment",
            ),
        ]

    def __str__(self):
        return f"flag {self.pk} ({self.reason}, {self.status})"

    @property
    def target(self):
        return self.claim or self.annotation or self.comment

    @property
    def target_kind(self) -> str:
        if self.claim_id:
            return "claim"
        return "annotation" if self.annotation_id else "comment"


class ModerationAction(models.Model):
    """One row of the audit log: who did what to which item, why, and the
    item's state before and after. Append-only: rows are never changed."""

    class Action(models.TextChoices):
        DISMISS_FLAGS = "dismiss_flags", "Dismissed flags"
        AUTO_HIDE = "auto_hide", "Hidden after flags"
        HIDE = "hide", "Hid"
        RESTORE = "restore", "Restored"
        EDIT = "edit", "Edited"
        LOCK = "lock", "Locked"
        UNLOCK = "unlock", "Unlocked"
        PIN = "pin", "Pinned"
        UNPIN = "unpin", "Unpinned"
        MOVE = "move", "Moved"
        MERGE = "merge", "Merged"
        APPROVE = "approve", "Approved"
        SUSPEND = "suspend", "Suspended"
        REMOVE = "remove", "Removed"
        REINSTATE = "reinstate", "Reinstated"
        WARN = "warn", "Warned"
        ROLE = "role", "Changed the role"
        RESET_INVITATION = "reset_invitation", "Reset the invitation"
        PHASE = "phase", "Changed the phase"
        ASSIGN_SIDES = "assign_sides", "Assigned sides"
        ERASE = "erase", "Erased the class"
        REDACT = "redact", "Redacted a revision"

    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, related_name="moderation_actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Null for automatic actions (hidden after flags).",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    claim = models.ForeignKey(
        "claims.Claim",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    annotation = models.ForeignKey(
        "claims.Annotation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    membership = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions_about",
        help_text="The author of the item or the member acted on: they may read "
        "this row.",
    )
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["debate", "created"]),
            models.Index(fields=["subject", "created"]),
        ]

    def __str__(self):
        return f"{self.action} by {self.actor_id} at {self.created:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The audit log is append-only: rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only: rows are never deleted.")

    @property
    def target_kind(self) -> str:
        for kind in ("claim", "annotation", "comment", "membership"):
            if getattr(self, f"{kind}_id"):
                return kind
        return ""


class Notification(models.Model):
    """An in-app message to one person. ``text`` is written for its reader and
    never names a flagger."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        FLAG = "flag", "Flag"
        MODERATION = "moderation", "Moderation"
        QUEUE = "queue", "Review queue"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    debate = models.ForeignKey(
        Debate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"to {self.user_id}: {self.text[:40]}"


class Snapshot(models.Model):
    """One run of the opinion analysis of a debate (deliberation.analysis):
    its progress while it runs, then the result (``AnalysisResult.as_dict()``
    with user ids as participant ids) or the error."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, related_name="snapshots"
    )
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100.")
    participants = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["debate", "status", "created"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="snapshot_progress_0_100"
            )
        ]

    def __str__(self):
        return f"analysis {self.pk} of {self.debate_id} ({self.status})"


class OutboxMessage(models.Model):
    """A background task to run, written in the same transaction as the change
    that asks for it (a transactional outbox, deliberation/outbox.py): a broker
    that is away when the change commits delays the task, never loses it."""

    task = models.CharField(max_length=200, help_text="Celery task name.")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # Requests with the same key while one is pending make one run (analysis
    # after votes); cleared when the run starts, so later requests queue anew.
    key = models.CharField(max_length=100, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    run_after = models.DateTimeField(help_text="Not to run before this time.")
    sent_at = models.DateTimeField(null=True, blank=True)
    # Who holds the message until when: a sender (a sent message not started
    # by then was lost with the broker's queue) or a run (the time limit and
    # a margin); the sweep sends a due message once no lease holds it.
    leased_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker started its latest run."
    )
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Sends to the broker tried."
    )
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["done_at", "sent_at", "run_after"])]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=~models.Q(key=""),
                name="outbox_one_pending_per_key",
            )
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)} ({self.pk})"


class ScheduledPhase(models.Model):
    """A phase a classroom debate enters by itself at a time (Celery beat
    applies due rows once: ``applied`` marks them)."""

    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, related_name="scheduled_phases"
    )
    phase = models.CharField(max_length=10, choices=Debate.Phase.choices)
    starts_at = models.DateTimeField()
    applied = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["debate", "phase"], name="scheduled_phase_once"
            ),
        ]
        indexes = [models.Index(fields=["applied", "starts_at"])]

    def __str__(self):
        return f"{self.debate_id} {self.phase} at {self.starts_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """The import of a large file into a new debate, run by a worker
    (deliberation/services/interchange.py). The file's text is kept in the row
    until the job ends: it commits with the job and its outbox message, needs
    no storage shared between web and worker hosts, and is emptied once done
    or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    format = models.CharField(max_length=16)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes uploaded.")
    text = models.TextField(blank=True, help_text="The file; emptied when it ends.")
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100.")
    message = models.CharField(max_length=500, blank=True)
    # Bad input: where (``line 4``, ``$.edges``, ``file``) and why.
    error_location = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs started (a worker killed mid-run starts another)."
    )
    debate = models.ForeignKey(
        Debate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "finished_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="import_job_progress_0_100"
            )
        ]

    def __str__(self):
        return f"import {self.pk.hex} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class IdempotencyKey(models.Model):
    """A write that was answered, by the key its client sent
    (``Idempotency-Key`` header, or the pages' one-time form field): a retry
    with the same key by the same person gets ``status`` and ``body`` again
    instead of writing anew. Written in the write's own transaction, so the
    key exists exactly when the write does; kept IDEMPOTENCY_KEY_HOURS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_keys",
    )
    key = models.CharField(max_length=255)
    # What was asked (method, path and a hash of the body): the same key for
    # another request is the client's mistake, not a retry.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True, help_text="The answer's JSON, as sent.")
    location = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotency_key_once_per_user"
            )
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key} ({self.status})"


class ReportJob(models.Model):
    """The PDF of a debate's report, made by a worker
    (deliberation/services/reports.py) and kept until the debate changes: one
    job per debate and ``version`` (a fingerprint of what the report shows,
    ``selectors.results.report_version``); a job of an older version is
    replaced by the next request."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, related_name="report_jobs"
    )
    version = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100.")
    message = models.CharField(max_length=500, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["debate", "version"], name="report_job_one_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_job_progress_0_100"
            ),
        ]

    def __str__(self):
        return f"report {self.pk.hex} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
