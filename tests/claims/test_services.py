import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Citation, Claim, ClaimRevision, SourceRevision
from tests.factories import DebateFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_thesis_and_children_form_a_tree(debate):
    thesis = services.claim_create(debate=debate, parent=None, text="Cameras help.")
    pro = services.claim_create(
        debate=debate, parent=thesis, stance="pro", text="Fewer crimes."
    )
    con = services.claim_create(
        debate=debate, parent=thesis, stance="con", text="Privacy."
    )
    deeper = services.claim_create(
        debate=debate, parent=con, stance="pro", text="Law says so."
    )

    thesis.refresh_from_db()
    assert (thesis.depth, thesis.numchild, thesis.stance) == (1, 2, "")
    assert [c.pk for c in Claim.objects.get_children(thesis)] == [pro.pk, con.pk]
    assert deeper.depth == 3 and deeper.path.startswith(con.path)
    assert list(
        ClaimRevision.objects.filter(claim=pro).values_list("number", "text_after")
    ) == [(1, "Fewer crimes.")]


def test_thesis_cannot_have_a_stance(debate):
    with pytest.raises(ValidationError) as exc:
        services.claim_create(debate=debate, parent=None, stance="pro", text="x")
    assert exc.value.message_dict == {"stance": ["A thesis has no stance."]}
    assert Claim.objects.count() == 0


def test_child_needs_pro_or_con(debate):
    thesis = services.claim_create(debate=debate, parent=None, text="T")
    with pytest.raises(ValidationError) as exc:
        services.claim_create(debate=debate, parent=thesis, stance="maybe", text="x")
    assert exc.value.message_dict == {"stance": ["Choose pro or con."]}
    assert Claim.objects.count() == 1


def test_claim_longer_than_500_characters_is_refused_with_reason(debate):
    thesis = services.claim_create(debate=debate, parent=None, text="T")
    with pytest.raises(ValidationError) as exc:
        services.claim_create(
            debate=debate, parent=thesis, stance="pro", text="a" * 501
        )
    assert (
        "at most 500 characters (this one has 501)" in exc.value.message_dict["text"][0]
    )
    assert Claim.objects.count() == 1


def test_parent_from_another_debate_is_refused(debate):
    other = services.claim_create(debate=DebateFactory(), parent=None, text="Elsewhere")
    with pytest.raises(ValidationError):
        services.claim_create(debate=debate, parent=other, stance="pro", text="x")
    assert Claim.objects.filter(debate=debate).count() == 0


def test_link_claim_shows_its_target(debate):
    thesis = services.claim_create(debate=debate, parent=None, text="T")
    target = services.claim_create(
        debate=debate, parent=thesis, stance="pro", text="Target"
    )
    link = services.claim_create(
        debate=debate, parent=target, stance="con", link_to=target
    )

    assert link.is_link and link.display_text == "Target"
    with pytest.raises(ValidationError):
        services.claim_create(debate=debate, parent=thesis, stance="pro", link_to=link)


def test_update_keeps_revision_with_before_and_after(debate):
    user = UserFactory()
    claim = services.claim_create(debate=debate, parent=None, text="Old", author=user)

    services.claim_update(claim=claim, author=user, text="New", note="typo")
    services.claim_update(
        claim=claim, author=user, text="New"
    )  # no change, no revision

    claim.refresh_from_db()
    assert claim.text == "New"
    assert list(
        claim.revisions.values_list("number", "text_before", "text_after", "note")
    ) == [(1, "", "Old", ""), (2, "Old", "New", "typo")]


def test_source_text_edits_are_versioned(debate):
    source = services.source_create(debate=debate, key="s", title="S", text="one")

    services.source_update_text(source=source, text="two")

    assert list(SourceRevision.objects.values_list("number", "text")) == [
        (1, "one"),
        (2, "two"),
    ]


def test_citation_anchors_quote_with_position_and_context(debate):
    text = "Alpha beta gamma. Cameras were marked. Delta."
    source = services.source_create(debate=debate, key="s", title="S", text=text)
    claim = services.claim_create(debate=debate, parent=None, text="T")

    citation = services.citation_create(
        claim=claim, source=source, quote="Cameras were marked"
    )

    assert (citation.start, citation.end) == (18, 37)
    assert text[citation.start : citation.end] == "Cameras were marked"
    assert citation.prefix == "Alpha beta gamma. "
    assert citation.suffix == ". Delta."
    assert citation.source_revision.number == 1


def test_citation_of_missing_quote_is_refused(debate):
    source = services.source_create(debate=debate, key="s", title="S", text="abc")
    claim = services.claim_create(debate=debate, parent=None, text="T")

    with pytest.raises(ValidationError) as exc:
        services.citation_create(claim=claim, source=source, quote="xyz")

    assert exc.value.message_dict == {
        "quote": ["The quoted passage does not occur in the source text."]
    }
    assert Citation.objects.count() == 0
