"""Input and output serializers of the API, kept apart: inputs only validate the
shape of a request (the services validate the content), outputs only render.

Claim outputs expect claims from ``views.claims_shown_to`` (annotated with
``parent_id`` and ``thesis_rank``). People are named by the one rule
(``selectors.people``): outputs that name someone expect the view's naming in
the context as ``names`` (``selectors.naming(request.user, debate)``)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.markdown import VisibleLengthValidator, render_markdown
from claims.models import (
    CLAIM_TEXT_MAX,
    CLAIM_TEXT_STORED_MAX,
    Citation,
    Claim,
    ClaimRevision,
    Source,
    SourceRevision,
)
from deliberation import phases
from deliberation.models import Debate
from deliberation.selectors import name_for, tallies_for

# --- Outputs -------------------------------------------------------------------


def person_name(context: dict, user) -> str | None:
    """``user`` named by the one rule (``selectors.people``), as the naming
    the view put in the serializer context (``names``) has it; null for a
    deleted account."""
    return context["names"](user)


class ClaimNodeSerializer(serializers.ModelSerializer):
    """A claim as a node of the argument map (tree and children lists)."""

    parent = serializers.IntegerField(
        source="parent_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the parent claim; null for a thesis.",
    )
    # Declared: a read-only model field loses allow_blank, and theses have "".
    stance = serializers.ChoiceField(
        choices=Claim.Stance.choices,
        allow_blank=True,
        read_only=True,
        help_text='"pro" or "con" under a parent; "" for a thesis.',
    )
    link_to = serializers.IntegerField(
        source="link_to_id",
        read_only=True,
        allow_null=True,
        help_text="For a link claim, the id of the claim it shows (text is empty).",
    )
    number = serializers.SerializerMethodField(
        help_text='Position in the map, e.g. "1.2.3".'
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "parent",
            "depth",
            "number",
            "stance",
            "text",
            "link_to",
            "status",
        ]
        read_only_fields = fields

    def get_number(self, claim) -> str:
        return claim.number(claim.thesis_rank)


class CitationSerializer(serializers.ModelSerializer):
    claim = serializers.IntegerField(source="claim_id", read_only=True)
    source = serializers.IntegerField(source="source_id", read_only=True)
    source_key = serializers.CharField(source="source.key", read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    source_revision = serializers.IntegerField(
        source="source_revision.number",
        read_only=True,
        help_text="Number of the source revision the quote was taken from.",
    )
    quote = serializers.CharField(source="exact", read_only=True)

    class Meta:
        model = Citation
        fields = [
            "id",
            "claim",
            "source",
            "source_key",
            "source_title",
            "source_revision",
            "quote",
            "prefix",
            "suffix",
            "start",
            "end",
            "created",
        ]
        read_only_fields = fields


class ClaimSerializer(ClaimNodeSerializer):
    """A claim with its explanation, author and citations."""

    debate = serializers.CharField(
        source="debate.slug", read_only=True, help_text="Slug of the debate."
    )
    explanation_html = serializers.SerializerMethodField(
        help_text="The explanation rendered from Markdown and sanitised."
    )
    author = serializers.SerializerMethodField(
        help_text="The author's name in the debate (selectors.people): their "
        "pseudonym, else their username (never a guest account's); in an "
        "anonymous debate, to all but moderators and the author, their "
        "generated name. Null when the account was deleted."
    )
    citations = CitationSerializer(many=True, read_only=True)
    tally = serializers.SerializerMethodField(
        help_text="Everyone's votes: agree, disagree, pass, voters, impact "
        "(counts of 0..4), impact_voters, impact_mean."
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "debate",
            "parent",
            "depth",
            "number",
            "stance",
            "text",
            "explanation",
            "explanation_html",
            "link_to",
            "author",
            "status",
            "created",
            "updated",
            "citations",
            "tally",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "agree": {"type": "integer"},
                "disagree": {"type": "integer"},
                "pass": {"type": "integer"},
                "voters": {"type": "integer"},
                "impact": {"type": "array", "items": {"type": "integer"}},
                "impact_voters": {"type": "integer"},
                "impact_mean": {"type": "number", "nullable": True},
            },
        }
    )
    def get_tally(self, claim) -> dict:
        target = claim.link_to_id or claim.pk
        return tallies_for([target])[target].as_dict()

    def get_explanation_html(self, claim) -> str:
        return render_markdown(claim.explanation)

    def get_author(self, claim) -> str | None:
        return person_name(self.context, claim.author)


REDACTED = "redacted by a moderator"


class ClaimRevisionSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="Who made this version, named as the claim's author is."
    )
    redacted = serializers.SerializerMethodField(
        help_text=f'"{REDACTED}" when a moderator removed the words this '
        "revision brought (its text_after and explanation_after are null), "
        "else null."
    )
    text_before = serializers.SerializerMethodField()
    text_after = serializers.SerializerMethodField()
    explanation_before = serializers.SerializerMethodField()
    explanation_after = serializers.SerializerMethodField()

    def get_redacted(self, revision) -> str | None:
        return REDACTED if revision.redacted_at else None

    def _words(self, revision, name: str, redacted: bool) -> str | None:
        return None if redacted else getattr(revision, name)

    def get_text_before(self, revision) -> str | None:
        return self._words(revision, "text_before", self._before_redacted(revision))

    def get_explanation_before(self, revision) -> str | None:
        return self._words(
            revision, "explanation_before", self._before_redacted(revision)
        )

    def get_text_after(self, revision) -> str | None:
        return self._words(revision, "text_after", bool(revision.redacted_at))

    def get_explanation_after(self, revision) -> str | None:
        return self._words(revision, "explanation_after", bool(revision.redacted_at))

    @staticmethod
    def _before_redacted(revision) -> bool:
        return bool(getattr(revision, "before_redacted", False))

    class Meta:
        model = ClaimRevision
        fields = [
            "number",
            "author",
            "text_before",
            "text_after",
            "explanation_before",
            "explanation_after",
            "note",
            "created",
            "redacted",
        ]
        read_only_fields = fields

    def get_author(self, revision) -> str | None:
        return person_name(self.context, revision.author)


_OWNER_HELP = (
    "The owner's account name (never a guest account's internal username); "
    "null when the account was deleted."
)


def owner_name(debate: Debate) -> str | None:
    # Outside the debate's people (a list spans debates): the account's name.
    return name_for(None, None, debate.owner)


class DebateListItemSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField(help_text=_OWNER_HELP)
    claim_count = serializers.IntegerField(
        read_only=True, help_text="Number of visible claims, theses included."
    )

    class Meta:
        model = Debate
        fields = [
            "slug",
            "question",
            "description",
            "visibility",
            "mode",
            "owner",
            "claim_count",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_owner(self, debate) -> str | None:
        return owner_name(debate)


class DebateSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField(help_text=_OWNER_HELP)
    theses = ClaimNodeSerializer(
        source="thesis_nodes",
        many=True,
        read_only=True,
        help_text="The theses (root claims) the requester may see.",
    )
    phase_label = serializers.SerializerMethodField(
        help_text='The phase as pages name it (blank phase: "No phases").'
    )

    class Meta:
        model = Debate
        fields = [
            "slug",
            "question",
            "description",
            "visibility",
            "mode",
            "owner",
            "voting_enabled",
            "premoderation",
            "anonymity",
            "phase",
            "phase_label",
            "theses",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_phase_label(self, debate) -> str:
        return phases.label(debate.phase)

    def get_owner(self, debate) -> str | None:
        return owner_name(debate)


class SourceListItemSerializer(serializers.ModelSerializer):
    debate = serializers.CharField(source="debate.slug", read_only=True)
    authors = serializers.ListField(child=serializers.CharField(), read_only=True)
    revision = serializers.IntegerField(
        read_only=True, help_text="Number of the current text revision."
    )
    # Not format "uri": a source without a known address has "".
    url = serializers.CharField(
        read_only=True, help_text='Address of the original, or "" when unknown.'
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "debate",
            "key",
            "title",
            "publisher",
            "authors",
            "published",
            "url",
            "licence_note",
            "revision",
            "created",
            "updated",
        ]
        read_only_fields = fields


class SourceSerializer(SourceListItemSerializer):
    class Meta(SourceListItemSerializer.Meta):
        fields = [*SourceListItemSerializer.Meta.fields, "text"]
        read_only_fields = fields


class SourceRevisionSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="Who made this version, named as claims' authors are."
    )

    class Meta:
        model = SourceRevision
        fields = ["number", "text", "author", "note", "created"]
        read_only_fields = fields

    def get_author(self, revision) -> str | None:
        return person_name(self.context, revision.author)


# --- Inputs --------------------------------------------------------------------

_CLAIM_TEXT_HELP = (
    f"One idea in at most {CLAIM_TEXT_MAX} characters; the rest goes in the "
    "explanation."
)


class DebateCreateSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(
        choices=Debate.Visibility.choices, default=Debate.Visibility.PUBLIC
    )
    mode = serializers.ChoiceField(
        choices=Debate.Mode.choices, default=Debate.Mode.OPEN
    )
    theses = serializers.ListField(
        child=serializers.CharField(
            max_length=CLAIM_TEXT_STORED_MAX,
            validators=[
                VisibleLengthValidator(
                    f"Ensure this field has no more than {CLAIM_TEXT_MAX} characters."
                )
            ],
        ),
        required=False,
        default=list,
        help_text="Texts of the debate's first theses. " + _CLAIM_TEXT_HELP,
    )


class DebateUpdateSerializer(serializers.Serializer):
    """Every field is optional: only those sent change."""

    question = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(
        choices=Debate.Visibility.choices, required=False
    )
    mode = serializers.ChoiceField(choices=Debate.Mode.choices, required=False)
    voting_enabled = serializers.BooleanField(required=False)
    premoderation = serializers.BooleanField(required=False)
    anonymity = serializers.BooleanField(required=False)


class ThesisCreateSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_CLAIM_TEXT_HELP)
    explanation = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Markdown."
    )


class ClaimCreateSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text="Id of the claim this one answers.")
    stance = serializers.ChoiceField(choices=Claim.Stance.choices)
    text = serializers.CharField(help_text=_CLAIM_TEXT_HELP)
    explanation = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Markdown."
    )


class ClaimUpdateSerializer(serializers.Serializer):
    """Every field is optional: only those sent change; each edit is a revision."""

    text = serializers.CharField(required=False, help_text=_CLAIM_TEXT_HELP)
    explanation = serializers.CharField(
        required=False, allow_blank=True, help_text="Markdown."
    )
    note = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the claim was changed (kept in the revision).",
    )


class _SourceMetadataFields(serializers.Serializer):
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    authors = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )
    published = serializers.DateField(required=False, allow_null=True)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    licence_note = serializers.CharField(
        max_length=500, required=False, allow_blank=True
    )


class SourceCreateSerializer(_SourceMetadataFields):
    key = serializers.SlugField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Stable short name in the debate; derived from the title if empty.",
    )
    title = serializers.CharField(max_length=300)
    # Kept exactly as sent: citations anchor on character positions.
    text = serializers.CharField(trim_whitespace=False)


class SourceUpdateSerializer(_SourceMetadataFields):
    """Every field is optional: only those sent change. A new text becomes a
    new revision."""

    title = serializers.CharField(max_length=300, required=False)
    text = serializers.CharField(trim_whitespace=False, required=False)
    note = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the text changed (kept in the revision).",
    )


class _DebateSourceField(serializers.PrimaryKeyRelatedField):
    """A source of the debate in the context (``context["debate"]``)."""

    def get_queryset(self):
        debate = self.context.get("debate")
        return Source.objects.filter(debate=debate) if debate else Source.objects.none()


class CitationCreateSerializer(serializers.Serializer):
    source = _DebateSourceField(
        queryset=Source.objects.all(), help_text="Id of a source of the same debate."
    )
    # Kept exactly as sent: it must match the source text character for character.
    quote = serializers.CharField(
        trim_whitespace=False, help_text="The cited passage, exactly as in the source."
    )
    start = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Character offset of the passage, when it occurs more than once.",
    )


class SimilarClaimSerializer(serializers.Serializer):
    """A visible claim like the draft, with its similarity."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    depth = serializers.IntegerField()
    stance = serializers.CharField(help_text='"pro", "con" or "" for a thesis.')
    score = serializers.FloatField(
        help_text="Cosine similarity, at most 1: of TF-IDF character n-grams, or "
        "of sentence embeddings where the server's SIMILARITY_BACKEND uses them."
    )
