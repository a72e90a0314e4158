from datetime import UTC

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.markdown import VisibleLengthValidator
from claims.models import CLAIM_TEXT_MAX, CLAIM_TEXT_STORED_MAX, Annotation, Claim
from deliberation.models import Comment, Flag
from deliberation.names import is_guest_username


def not_a_guest_username(value: str) -> None:
    """Sign-up may not take the shape of a guest account's username: that
    shape is what tells a guest (who may not make classes, rules.py)."""
    if is_guest_username(value.lower()):
        raise ValidationError("Usernames like this are kept for guests.")


# Sign-up's username checks (ACCOUNT_USERNAME_VALIDATORS): the model's own,
# and no guest's shape.
USERNAME_VALIDATORS = [UnicodeUsernameValidator(), not_a_guest_username]


class ClaimAddForm(forms.Form):
    stance = forms.ChoiceField(
        choices=Claim.Stance.choices, widget=forms.RadioSelect, label="Your claim is a"
    )
    text = forms.CharField(
        max_length=CLAIM_TEXT_STORED_MAX,
        validators=[VisibleLengthValidator()],
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Claim",
        help_text=f"One idea, at most {CLAIM_TEXT_MAX} characters.",
    )
    explanation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Explanation (optional)",
        help_text="Markdown: *emphasis*, [links](https://example.org), lists.",
    )
    # True once the writer has been shown claims like theirs (by the page
    # after a first submit, or by static/js/similar.js while typing): the
    # next submit posts without asking again.
    similar_seen = forms.BooleanField(
        required=False, widget=forms.HiddenInput(attrs={"data-similar-seen": ""})
    )

    def offer(self, stances) -> None:
        """Show only ``stances`` (what the phase and the person's side allow:
        ``rules.allowed_stances``), the only one chosen already. Called after
        validation, so a stance posted anyway meets the rule's reason."""
        field = self.fields["stance"]
        field.choices = [(v, label) for v, label in field.choices if v in stances]
        if len(field.choices) == 1:
            self.initial["stance"] = field.choices[0][0]


class ClaimEditForm(forms.Form):
    text = forms.CharField(
        max_length=CLAIM_TEXT_STORED_MAX,
        validators=[VisibleLengthValidator()],
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Claim",
    )
    explanation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5}), label="Explanation"
    )
    note = forms.CharField(
        required=False, max_length=300, label="What changed (optional)"
    )


# --- Annotations and comments -------------------------------------------------


class AnnotationForm(forms.Form):
    """Annotate a passage: without JavaScript the reader types (or pastes) the
    quote; static/js/annotate.js fills ``quote`` and ``start`` from a selection.
    Evidence names an existing claim, or describes a new pro or con."""

    quote = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-annotate": "quote"}),
        label="Passage",
        help_text="The words exactly as they appear in the text.",
    )
    start = forms.IntegerField(
        required=False,
        min_value=0,
        widget=forms.HiddenInput(attrs={"data-annotate": "start"}),
    )
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment (optional)",
        help_text="Markdown: *emphasis*, [links](https://example.org), lists.",
    )
    tags = forms.CharField(
        required=False, max_length=500, label="Tags (optional, comma-separated)"
    )
    relation = forms.ChoiceField(
        required=False,
        choices=[("", "No, just annotate"), *Annotation.Relation.choices],
        widget=forms.RadioSelect,
        label="Is this passage evidence about a claim?",
        initial="",
    )
    evidence_claim = forms.CharField(
        required=False,
        max_length=200,
        label="The claim",
        help_text="Its number on the map (e.g. 1.2.3), words from it, or "
        "one from the list.",
        widget=forms.TextInput(
            attrs={"list": "claim-choices", "autocomplete": "off", "data-picker": ""}
        ),
    )
    new_claim_parent = forms.CharField(
        required=False,
        max_length=200,
        label="…or a new claim under",
        help_text="Map number (e.g. 1.2) or words of the claim the new pro or "
        "con answers.",
        widget=forms.TextInput(attrs={"list": "claim-choices", "autocomplete": "off"}),
    )
    new_claim_stance = forms.ChoiceField(
        required=False,
        choices=Claim.Stance.choices,
        widget=forms.RadioSelect,
        label="The new claim is a",
    )
    new_claim_text = forms.CharField(
        required=False,
        max_length=CLAIM_TEXT_STORED_MAX,
        validators=[VisibleLengthValidator()],
        widget=forms.Textarea(attrs={"rows": 2}),
        label="The new claim",
    )
    visibility = forms.ChoiceField(
        choices=Annotation.Visibility.choices,
        initial=Annotation.Visibility.EVERYONE,
        label="Who sees it",
    )

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean(self):
        data = super().clean()
        existing = data.get("evidence_claim", "").strip()
        new = data.get("new_claim_text", "").strip()
        if not data.get("relation"):
            if existing or new:
                self.add_error("relation", "Say whether it supports or opposes.")
            return data
        if existing and new:
            self.add_error(
                "evidence_claim", "Name an existing claim or write a new one, not both."
            )
        elif not existing and not new:
            self.add_error("evidence_claim", "Name the claim, or write a new one.")
        elif new:
            if not data.get("new_claim_parent", "").strip():
                self.add_error("new_claim_parent", "Which claim does it answer?")
            if not data.get("new_claim_stance"):
                self.add_error("new_claim_stance", "Choose pro or con.")
        return data


class AnnotationEditForm(forms.Form):
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Comment",
        help_text="Markdown: *emphasis*, [links](https://example.org), lists.",
    )
    tags = forms.CharField(required=False, max_length=500, label="Tags")
    visibility = forms.ChoiceField(
        choices=Annotation.Visibility.choices, label="Who sees it"
    )

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your comment",
        help_text="Markdown: *emphasis*, [links](https://example.org), lists.",
    )
    alignment = forms.ChoiceField(
        choices=Comment.Alignment.choices,
        widget=forms.RadioSelect,
        initial=Comment.Alignment.NEUTRAL,
        label="You are",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


# --- Moderation ---------------------------------------------------------------


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices, widget=forms.RadioSelect, label="What is wrong?"
    )
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note for the moderators (optional; required for “other”)",
    )


class FlagReplyForm(forms.Form):
    body = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your reply (once)",
    )


class ModerateForm(forms.Form):
    """One form for every moderator action on an item; ``action`` says which
    fields matter (the services validate the content)."""

    ACTIONS = [
        ("dismiss", "Dismiss the flags"),
        ("hide", "Hide"),
        ("restore", "Restore"),
        ("approve", "Approve"),
        ("lock", "Lock the thread"),
        ("unlock", "Unlock the thread"),
        ("pin", "Pin"),
        ("unpin", "Unpin"),
        ("move", "Move"),
        ("merge", "Merge into another claim"),
        ("edit", "Edit with a note"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason",
        widget=forms.TextInput(attrs={"list": "canned-reasons"}),
    )
    new_parent = forms.IntegerField(
        required=False, min_value=1, label="Id of the new parent claim"
    )
    kept = forms.IntegerField(
        required=False, min_value=1, label="Id of the claim to keep"
    )
    text = forms.CharField(
        required=False,
        max_length=CLAIM_TEXT_STORED_MAX,
        validators=[VisibleLengthValidator()],
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Claim",
    )
    explanation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Explanation"
    )


class MemberModerateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("warn", "Warn"),
            ("suspend", "Suspend"),
            ("remove", "Remove"),
            ("reinstate", "Reinstate"),
        ]
    )
    days = forms.IntegerField(
        required=False, min_value=1, max_value=365, label="Suspend for (days)"
    )
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Justification (at least 15 characters)",
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[
            ("moderator", "Moderator"),
            ("participant", "Participant"),
            ("suggester", "Suggester"),
            ("observer", "Observer"),
        ]
    )
    reason = forms.CharField(required=False, max_length=300, label="Reason")


class BulkModerateForm(forms.Form):
    """One act on the ticked queue items (``item``: "claim:12", ...)."""

    action = forms.ChoiceField(
        choices=[
            ("dismiss", "Dismiss the flags"),
            ("hide", "Hide"),
            ("restore", "Restore"),
        ]
    )
    reason = forms.CharField(required=False, max_length=300, label="Reason")


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        label="Canned reasons, one per line (empty: the defaults)",
    )


class LogFilterForm(forms.Form):
    """The audit log's filters; choices are the debate's (set by the view)."""

    actor = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Moderator"
    )
    action = forms.ChoiceField(required=False, label="Act")
    member = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="About member"
    )
    kind = forms.ChoiceField(
        required=False,
        label="Item",
        choices=[
            ("", "Any"),
            ("claim", "Claims"),
            ("annotation", "Annotations"),
            ("comment", "Comments"),
            ("membership", "Members"),
        ],
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actors=(), members=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", "Anyone"), *actors]
        self.fields["member"].choices = [("", "Anyone"), *members]
        self.fields["action"].choices = [("", "Any"), *actions]


# --- Classroom and workshop ---------------------------------------------------


class ClassCreateForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Name of the class",
        help_text="How you and your pupils tell it apart, e.g. “10B · Civics”.",
    )
    description = forms.CharField(
        required=False,
        max_length=1000,
        label="Description (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    START_CHOICES = [
        ("template", "The built-in debate on AI surveillance and policing"),
        ("copy", "A copy of a debate I can read"),
        ("blank", "A blank debate"),
    ]
    mode = forms.ChoiceField(
        choices=[("classroom", "Classroom (phases, sides)"), ("workshop", "Workshop")],
        widget=forms.RadioSelect,
        initial="classroom",
        label="Kind of session",
    )
    start = forms.ChoiceField(
        choices=START_CHOICES,
        widget=forms.RadioSelect,
        initial="template",
        label="Start from",
    )
    from_debate = forms.SlugField(
        required=False, label="Debate to copy", help_text="Its address name (slug)."
    )
    question = forms.CharField(
        required=False,
        max_length=300,
        label="Question",
        help_text="Needed for a blank debate; otherwise it replaces the original's.",
    )
    anonymity = forms.BooleanField(
        required=False,
        initial=True,
        label="Pupils see each other as generated animal names",
        help_text="You always see their pseudonyms.",
    )


class JoinForm(forms.Form):
    code = forms.CharField(max_length=20, label="Code")
    pseudonym = forms.CharField(
        required=False,
        max_length=30,
        label="Pseudonym",
        help_text="A name for this debate only. Not your real name, no email.",
    )


class RosterForm(forms.Form):
    pseudonyms = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Pseudonyms, one per line",
    )
    count = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60,
        label="…or this many generated names",
    )

    def clean(self):
        data = super().clean()
        data["pseudonyms"] = data.get("pseudonyms", "").splitlines()
        if not any(p.strip() for p in data["pseudonyms"]) and not data.get("count"):
            raise forms.ValidationError("Give pseudonyms or a number of accounts.")
        return data


class SidesBalanceForm(forms.Form):
    teams_per_side = forms.IntegerField(
        min_value=0, max_value=10, initial=0, label="Teams per side"
    )


class JoiningForm(forms.Form):
    joining_open = forms.BooleanField(required=False, label="New people may join")
    expires_in = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60 * 24 * 30,
        label="The code expires in (minutes; blank: the default number of days)",
    )


class ScheduleForm(forms.Form):
    """One optional start time per phase, entered in the browser's time zone
    (``time_zone``, an IANA name the page's script fills in; without it, the
    server's). ``saved``: phase -> the time already scheduled, shown back in
    its input (and as UTC in ``data-utc``, which the script shows in the
    browser's zone)."""

    time_zone = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, phase_choices=(), saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        saved = saved or {}
        for value, label in phase_choices:
            attrs = {"type": "datetime-local"}
            when = saved.get(value)
            if when is not None:
                attrs["data-utc"] = when.astimezone(UTC).isoformat()
            self.fields[value] = forms.DateTimeField(
                required=False,
                label=label,
                initial=timezone.localtime(when) if when else None,
                widget=forms.DateTimeInput(attrs=attrs, format="%Y-%m-%dT%H:%M"),
            )

    def entries(self) -> list:
        return [
            (phase, when)
            for phase, when in self.cleaned_data.items()
            if phase != "time_zone" and when
        ]
