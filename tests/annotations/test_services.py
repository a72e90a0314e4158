"""Annotations and re-anchoring through the services: what is stored, what is
re-anchored after an edit, what is published live."""

import pytest
from django.core.exceptions import ValidationError

from claims.models import Annotation, Citation
from claims.services import citation_create, claim_reanchor, source_reanchor
from deliberation import events, services
from tests.factories import MembershipFactory, make_claim, make_source

TEXT = (
    "In the trial, three stations used live facial recognition. "
    "The police said arrests rose by a fifth in the first month. "
    "Critics said the error rate for women was far higher."
)


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(
        events, "publish", lambda **kwargs: sent.append((kwargs["event"], kwargs))
    )
    return sent


def anchor_of(row):
    row.refresh_from_db()
    return (row.exact, row.start, row.end, row.orphaned)


def test_annotation_is_anchored_on_the_current_revision_with_its_context(debate):
    source = make_source(debate, text=TEXT)
    user = MembershipFactory(debate=debate).user

    annotation = services.annotation_add(
        user=user,
        debate=debate,
        source=source,
        quote="arrests rose by a fifth",
        body="Compared with **what**?",
        tags=["numbers", " numbers ", "police"],
    )

    annotation.refresh_from_db()
    start = TEXT.index("arrests rose")
    assert (annotation.start, annotation.end) == (start, start + 23)
    assert (annotation.prefix, annotation.suffix) == (
        TEXT[start - 32 : start],
        TEXT[start + 23 : start + 55],
    )
    assert annotation.source_revision.number == 1
    assert (annotation.motivation, annotation.tags, annotation.creator) == (
        "commenting",
        ["numbers", "police"],
        user,
    )


def test_a_quote_not_in_the_text_is_refused_and_nothing_is_stored(debate):
    source = make_source(debate, text=TEXT)
    user = MembershipFactory(debate=debate).user

    with pytest.raises(ValidationError) as error:
        services.annotation_add(
            user=user, debate=debate, source=source, quote="arrests fell"
        )

    assert error.value.message_dict == {
        "quote": ["The quoted passage does not occur in the text."]
    }
    assert Annotation.objects.count() == 0


def test_evidence_needs_a_relation_and_a_claim_of_the_debate(debate, db):
    from tests.factories import DebateFactory

    source = make_source(debate, text=TEXT)
    other = make_claim(DebateFactory(), text="Elsewhere")
    user = MembershipFactory(debate=debate).user

    with pytest.raises(ValidationError) as no_relation:
        services.annotation_add(
            user=user,
            debate=debate,
            source=source,
            quote="error rate",
            evidence_claim=make_claim(debate),
        )
    with pytest.raises(ValidationError) as foreign:
        services.annotation_add(
            user=user,
            debate=debate,
            source=source,
            quote="error rate",
            evidence_claim=other,
            relation="opposes",
        )

    assert no_relation.value.message_dict == {
        "relation": ["Choose supports or opposes."]
    }
    assert foreign.value.message_dict == {
        "evidence_claim": ["No such claim in this debate."]
    }
    assert Annotation.objects.count() == 0


def test_source_edit_reanchors_annotations_and_citations_on_commit(
    debate, eager_tasks, django_capture_on_commit_callbacks
):
    # given
    source = make_source(debate, text=TEXT)
    claim = make_claim(debate, text="Live facial recognition works.")
    moved = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="arrests rose"
    )
    reworded = services.annotation_add(
        user=debate.owner,
        debate=debate,
        source=source,
        quote="the error rate for women was far higher",
    )
    gone = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="three stations"
    )
    citation = citation_create(claim=claim, source=source, quote="arrests rose")
    new_text = (
        "Summary first. In the trial, live facial recognition ran. "
        "The police said arrests rose by a fifth in the first month. "
        "Critics said the error rate for women was much higher."
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.source_edit(user=debate.owner, source=source, text=new_text)

    # then
    at = new_text.index("arrests rose")
    assert anchor_of(moved) == ("arrests rose", at, at + 12, False)
    assert anchor_of(citation) == ("arrests rose", at, at + 12, False)
    at = new_text.index("the error rate")
    assert anchor_of(reworded) == (
        "the error rate for women was much higher",
        at,
        at + 40,
        False,
    )
    assert anchor_of(gone) == ("three stations", 14, 28, True)
    assert moved.source_revision.number == 2 and citation.source_revision.number == 2
    assert gone.source_revision.number == 1  # kept where it was last found


def test_reanchoring_twice_changes_nothing(debate):
    source = make_source(debate, text=TEXT)
    kept = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="arrests rose"
    )
    orphan = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="three stations"
    )
    services.source_edit(user=debate.owner, source=source, text="Preface. " + TEXT[30:])
    first = source_reanchor(source=source)
    rows = list(Annotation.objects.order_by("pk").values())

    second = source_reanchor(source=source)

    assert dict(first) == {"quote": 1, "orphan": 1}
    assert dict(second) == {"orphan": 1}  # orphans are retried, and stay orphans
    assert list(Annotation.objects.order_by("pk").values()) == rows
    assert anchor_of(kept)[3] is False and anchor_of(orphan)[3] is True


def test_an_orphan_is_found_again_when_its_passage_returns(debate):
    source = make_source(debate, text=TEXT)
    annotation = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="three stations"
    )
    services.source_edit(user=debate.owner, source=source, text="Nothing left.")
    source_reanchor(source=source)
    assert anchor_of(annotation)[3] is True

    services.source_edit(user=debate.owner, source=source, text=TEXT)
    source_reanchor(source=source)

    assert anchor_of(annotation) == ("three stations", 14, 28, False)
    assert annotation.source_revision.number == 3


def test_claim_edit_reanchors_notes_on_its_wording(
    debate, eager_tasks, django_capture_on_commit_callbacks
):
    author = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras in every station cut crime.")
    claim = make_claim(
        debate, parent=thesis, text="Footage is kept for a month.", author=author
    )
    note = services.annotation_add(
        user=author, debate=debate, claim=claim, quote="for a month"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_edit(
            user=author, claim=claim, text="Footage is by law kept for a month."
        )

    assert anchor_of(note) == ("for a month", 23, 34, False)
    assert note.claim_revision.number == 2
    assert dict(claim_reanchor(claim=claim)) == {}


def test_annotation_added_is_published_only_when_everyone_may_see_it(
    debate, published, django_capture_on_commit_callbacks
):
    source = make_source(debate, text=TEXT)
    user = MembershipFactory(debate=debate).user

    with django_capture_on_commit_callbacks(execute=True):
        public = services.annotation_add(
            user=user,
            debate=debate,
            source=source,
            quote="arrests rose",
            body="<script>x</script>**so?**",
        )
        for visibility in ("only_me", "moderators"):
            services.annotation_add(
                user=user,
                debate=debate,
                source=source,
                quote="error rate",
                visibility=visibility,
            )

    assert published == [
        (
            "annotation.added",
            {
                "debate_id": debate.pk,
                "event": "annotation.added",
                "payload": {
                    "annotation_id": public.pk,
                    "source_id": source.pk,
                    "claim_id": None,
                    "motivation": "commenting",
                    "evidence_claim_id": None,
                    "relation": "",
                    "quote": "arrests rose",
                    "start": public.start,
                    "end": public.end,
                    "body_html": "\n<p><strong>so?</strong></p>",
                    "tags": [],
                    "author": user.username,
                },
            },
        )
    ]


def test_evidence_for_a_pending_claim_is_not_published(
    debate, published, django_capture_on_commit_callbacks
):
    debate.premoderation = True
    debate.save()
    source = make_source(debate, text=TEXT)
    thesis = make_claim(debate, text="Cameras cut crime.")
    user = MembershipFactory(debate=debate).user

    with django_capture_on_commit_callbacks(execute=True):
        annotation = services.evidence_contribute(
            user=user,
            debate=debate,
            source=source,
            quote="arrests rose by a fifth",
            parent=thesis,
            stance="pro",
            text="Arrests rose during the trial.",
        )

    assert annotation.evidence_claim.status == "pending"
    assert annotation.relation == "supports"
    assert published == []


def test_new_claim_from_a_passage_is_made_with_its_evidence_in_one_step(debate):
    source = make_source(debate, text=TEXT)
    thesis = make_claim(debate, text="Cameras cut crime.")
    user = MembershipFactory(debate=debate).user

    annotation = services.evidence_contribute(
        user=user,
        debate=debate,
        source=source,
        quote="error rate for women was far higher",
        parent=thesis,
        stance="con",
        text="It misidentifies women more often.",
        relation="supports",
    )

    claim = annotation.evidence_claim
    assert (claim.text, claim.stance, claim.author, claim.status) == (
        "It misidentifies women more often.",
        "con",
        user,
        "visible",
    )
    assert (annotation.motivation, annotation.relation) == ("linking", "supports")
    assert Citation.objects.count() == 0


def test_a_quote_copied_across_a_citation_marker_is_anchored_to_the_plain_text(
    debate,
):
    source = make_source(debate, text="The Global Times praises camera policing.")
    user = MembershipFactory(debate=debate).user

    annotation = services.annotation_add(
        user=user, debate=debate, source=source, quote="Global Times[205] praises"
    )

    assert (annotation.exact, annotation.start, annotation.end) == (
        "Global Times praises",
        4,
        24,
    )
