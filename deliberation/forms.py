from django import forms

from claims.models import CLAIM_TEXT_MAX, Claim


class ClaimAddForm(forms.Form):
    stance = forms.ChoiceField(
        choices=Claim.Stance.choices, widget=forms.RadioSelect, label="Your claim is a"
    )
    text = forms.CharField(
        max_length=CLAIM_TEXT_MAX,
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


class ClaimEditForm(forms.Form):
    text = forms.CharField(
        max_length=CLAIM_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Claim",
    )
    explanation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5}), label="Explanation"
    )
    note = forms.CharField(
        required=False, max_length=300, label="What changed (optional)"
    )
