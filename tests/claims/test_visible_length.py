"""A claim's 500-character limit counts what a reader sees (issue 22): a
Markdown link counts its text, not its URL; escapes and footnote markers
count nothing."""

import pytest
from django.core.exceptions import ValidationError

from claims.markdown import visible_text
from claims.models import Claim
from claims.services import claim_create
from tests.factories import DebateFactory

URL = "https://example.org/" + "a" * 480


def test_visible_text_drops_urls_escapes_and_markers():
    assert (
        visible_text(
            f"See [the report]({URL}) [1], \\(this\\) and ![a map](https://e.org/m.png)."
        )
        == "See the report , (this) and a map."
    )


@pytest.mark.django_db
def test_a_claim_long_only_by_its_link_url_is_kept_whole():
    debate = DebateFactory()
    text = f"Cars cause most NO2, says [the council]({URL})."
    assert len(text) == 542
    claim = claim_create(debate=debate, parent=None, text=text)
    assert Claim.objects.get(pk=claim.pk).text == text


@pytest.mark.django_db
def test_more_than_500_visible_characters_is_refused_and_nothing_written():
    debate = DebateFactory()
    with pytest.raises(ValidationError) as caught:
        claim_create(
            debate=debate, parent=None, text="x" * 490 + f" [ten chars!]({URL})"
        )
    assert caught.value.message_dict == {
        "text": [
            "A claim is one idea in at most 500 characters (this one has 501); "
            "put the rest in the explanation."
        ]
    }
    assert Claim.objects.count() == 0
