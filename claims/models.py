"""The argument map as content: sources, claims, citations and their revisions.

Claims form one materialised-path tree per thesis (django-treebeard): a claim's
``path`` holds its ancestors' steps, so a branch, a level or the ancestors of a
claim are one indexed query whatever the size of the tree.
"""

from django.conf import settings
from django.db import models
from treebeard.mp_tree import MP_Node

from claims import tree

# A claim is one idea in at most 500 characters of *visible* text, as Kialo
# counts it: a Markdown link counts its text, not its URL (claims.markdown.
# visible_length). What is stored (the Markdown as written, URLs included)
# may be longer, up to CLAIM_TEXT_STORED_MAX.
CLAIM_TEXT_MAX = 500
CLAIM_TEXT_STORED_MAX = 2000


class Source(models.Model):
    """A document with provenance whose text is versioned (see SourceRevision)."""

    debate = models.ForeignKey(
        "deliberation.Debate", on_delete=models.CASCADE, related_name="sources"
    )
    key = models.SlugField(max_length=80, help_text="Stable short name in the debate.")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    authors = models.JSONField(default=list, blank=True)
    published = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    licence_note = models.CharField(max_length=500, blank=True)
    text = models.TextField(help_text="Current text; every version is a revision.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["published", "title"]
        constraints = [
            models.UniqueConstraint(fields=["debate", "key"], name="source_key_unique")
        ]

    def __str__(self):
        return self.title

    @property
    def authors_display(self):
        return ", ".join(self.authors)


class SourceRevision(models.Model):
    """One version of a source's text, kept so anchors can be re-resolved."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "number"], name="source_revision_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.source} r{self.number}"


class Claim(MP_Node):
    """One idea. A thesis is a root (depth 1, no stance); others are a pro or con
    of their parent. A *link* claim shows another claim in a second place.
    Path arithmetic is ``claims.tree``'s; tree writes are ``claims.services``'."""

    steplen = tree.STEP

    class Stance(models.TextChoices):
        PRO = "pro", "Pro"
        CON = "con", "Con"

    class Status(models.TextChoices):
        VISIBLE = "visible", "Visible"
        PENDING = "pending", "Pending approval"
        HIDDEN = "hidden", "Hidden"
        ARCHIVED = "archived", "Archived"

    debate = models.ForeignKey(
        "deliberation.Debate", on_delete=models.CASCADE, related_name="claims"
    )
    stance = models.CharField(max_length=3, choices=Stance.choices, blank=True)
    text = models.CharField(max_length=CLAIM_TEXT_STORED_MAX, blank=True)
    explanation = models.TextField(
        blank=True, help_text="Markdown, sanitised on display."
    )
    rephrase = models.BooleanField(
        default=False,
        help_text="A pro that restates its parent (AIF's MA, rephrase) rather "
        "than supports it; the AIF export writes it as MA.",
    )
    link_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="links",
        help_text="For a link claim: the claim it shows here.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.VISIBLE
    )
    order = models.IntegerField(default=0, help_text="Manual order among siblings.")
    key = models.CharField(
        max_length=80, blank=True, help_text="Id in an imported file, if any."
    )
    # Moderation (set only by deliberation.services.moderation).
    locked = models.BooleanField(
        default=False,
        help_text="A locked thread takes no replies (new claims or comments) at "
        "or below this claim; votes still count.",
    )
    pinned = models.BooleanField(
        default=False, help_text="Shown first among its siblings."
    )
    meta = models.BooleanField(
        default=False,
        help_text="About the debate itself, not a position on it (Pol.is's "
        "meta comments): kept out of the opinion groups, shown apart.",
    )
    hidden_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Public reason shown in place of a hidden claim.",
    )
    moderator_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Public note of a moderator's last edit.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["debate", "depth"]),
            # The few claims that hide their branch from readers (who may see
            # which claims: deliberation.selectors.claims_shown_to).
            models.Index(
                fields=["debate", "depth", "path"],
                condition=~models.Q(status="visible"),
                name="claim_not_visible",
            ),
        ]
        constraints = [
            # A thesis has no stance and is no link; every other claim has one.
            models.CheckConstraint(
                condition=models.Q(depth=1, stance="", link_to__isnull=True)
                | models.Q(depth__gt=1, stance__in=["pro", "con"]),
                name="claim_stance_matches_depth",
            ),
        ]

    def __str__(self):
        return self.display_text[:80]

    @property
    def is_thesis(self):
        return self.depth == 1

    @property
    def is_link(self):
        return self.link_to_id is not None

    @property
    def display_text(self):
        """What a reader sees: a link claim shows its target's text, but never
        a target that is not visible (then only the link's own text, which a
        merge keeps for the record). Who may see a link at all is the
        deliberation side's rule (``claims_shown_to``): pages and the API
        leave out links to claims their reader may not see."""
        if not self.link_to_id:
            return self.text
        if self.link_to.status != self.Status.VISIBLE:
            return self.text
        return self.link_to.text

    def number(self, thesis_rank: int) -> str:
        """Kialo-style position, e.g. "1.2.3": the thesis's place among the
        debate's theses, then the place under each parent. Places are insertion
        order (paths are never reused), so a number stays valid when other
        claims are hidden."""
        places = (self._str2int(step) for step in tree.steps(self.path)[1:])
        return ".".join([str(thesis_rank), *map(str, places)])

    @property
    def parent_path(self):
        return tree.parent_path(self.path)


class ClaimRevision(models.Model):
    """Who changed a claim, when, and what it said before and after."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text_before = models.CharField(max_length=CLAIM_TEXT_STORED_MAX, blank=True)
    text_after = models.CharField(max_length=CLAIM_TEXT_STORED_MAX, blank=True)
    explanation_before = models.TextField(blank=True)
    explanation_after = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    redacted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a moderator removed the words this revision brought "
        "(its after, and the next revision's before, are emptied).",
    )

    class Meta:
        ordering = ["claim", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "number"], name="claim_revision_number_unique"
            )
        ]

    def __str__(self):
        return f"claim {self.claim_id} r{self.number}"


class TextAnchor(models.Model):
    """A W3C text anchor: TextQuoteSelector (exact/prefix/suffix) plus
    TextPositionSelector (start/end, end exclusive) on one revision of a text.

    Abstract: citations and annotations share one anchoring and one re-anchoring
    (claims/reanchoring.py). The revision a subclass names is the one its
    selectors resolve against: the revision it was made on, moved forward each
    time the text is edited and the passage is found again.
    """

    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    orphaned = models.BooleanField(
        default=False,
        help_text="The passage was not found again after the text was edited; "
        "the selectors still describe it in the revision they name.",
    )

    class Meta:
        abstract = True

    def is_anchored_in(self, text: str) -> bool:
        """True when the selectors describe ``text`` (not an orphan, nor an
        anchor still waiting to be re-anchored after an edit)."""
        return not self.orphaned and text[self.start : self.end] == self.exact


class Citation(TextAnchor):
    """A claim cites a passage of a source."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="citations"
    )
    source_revision = models.ForeignKey(
        SourceRevision, on_delete=models.PROTECT, related_name="citations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="citation_nonempty_span",
            )
        ]

    def __str__(self):
        return f"{self.source.key}[{self.start}:{self.end}]"


class Annotation(TextAnchor):
    """A W3C Web Annotation on a passage of a source's or a claim's text: a
    highlight, a comment (Markdown), tags and/or evidence, i.e. a link to a
    claim the passage ``supports`` or ``opposes``.

    The target is exactly one of a source or a claim, with the revision its
    selectors resolve against. Deleting is soft (``deleted_at``); orphans (see
    TextAnchor) are kept and shown with their quote."""

    class Motivation(models.TextChoices):
        HIGHLIGHTING = "highlighting", "Highlight"
        COMMENTING = "commenting", "Comment"
        TAGGING = "tagging", "Tags"
        LINKING = "linking", "Evidence"

    class Relation(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        OPPOSES = "opposes", "Opposes"

    class Visibility(models.TextChoices):
        EVERYONE = "everyone", "Everyone in the debate"
        MODERATORS = "moderators", "Me and the moderators"
        ONLY_ME = "only_me", "Only me"

    debate = models.ForeignKey(
        "deliberation.Debate", on_delete=models.CASCADE, related_name="annotations"
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annotations",
    )
    source_revision = models.ForeignKey(
        SourceRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
    )
    claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annotations",
        help_text="When the annotated text is a claim's.",
    )
    claim_revision = models.ForeignKey(
        ClaimRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
    )
    motivation = models.CharField(max_length=12, choices=Motivation.choices)
    body = models.TextField(blank=True, help_text="Markdown, sanitised on display.")
    tags = models.JSONField(default=list, blank=True)
    evidence_claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        # A claim is hardly ever deleted; if it is, the passage stays annotated.
        on_delete=models.SET_NULL,
        related_name="evidence",
        help_text="The claim this passage is evidence for or against.",
    )
    relation = models.CharField(max_length=8, choices=Relation.choices, blank=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="annotations",
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.EVERYONE
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(
        null=True, blank=True, help_text="Hidden by a moderator (or by flags)."
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "pk"]
        indexes = [
            models.Index(fields=["debate", "created"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    source__isnull=False,
                    source_revision__isnull=False,
                    claim__isnull=True,
                    claim_revision__isnull=True,
                )
                | models.Q(
                    source__isnull=True,
                    source_revision__isnull=True,
                    claim__isnull=False,
                    claim_revision__isnull=False,
                ),
                name="annotation_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="annotation_nonempty_span",
            ),
            models.CheckConstraint(
                condition=models.Q(evidence_claim__isnull=True)
                | ~models.Q(relation=""),
                name="annotation_evidence_has_relation",
            ),
        ]

    def __str__(self):
        target = (
            f"source {self.source_id}" if self.source_id else f"claim {self.claim_id}"
        )
        return f"annotation {self.pk} on {target}[{self.start}:{self.end}]"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
