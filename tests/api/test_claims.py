"""API: claims (read, add, edit, revisions, children) and their citations."""

import pytest

from claims.models import Citation, Claim, ClaimRevision
from claims.services import citation_create
from deliberation.models import Debate, Membership
from tests.api.helpers import client_for, iso
from tests.factories import (
    DebateFactory,
    UserFactory,
    make_actor,
    make_claim,
    make_source,
)

pytestmark = pytest.mark.django_db

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NO_CLAIM = {"detail": "No such claim."}
TOO_LONG = (
    "A claim is one idea in at most 500 characters (this one has 501); "
    "put the rest in the explanation."
)
SOURCE_TEXT = "Audits found that the system misidentified people in poor light."


def set_status(claim, status):
    Claim.objects.filter(pk=claim.pk).update(status=status)


def actor(debate, role, author):
    """``make_actor`` plus the claim's author as a role of its own."""
    return author if role == "author" else make_actor(debate, role)


@pytest.fixture
def author(debate):
    return make_actor(debate, "participant")


# --- Read ------------------------------------------------------------------------


def test_read_a_claim_with_its_explanation_author_and_citations(debate, thesis):
    # given
    author = UserFactory(username="ada", email="ada@example.org")
    claim = make_claim(
        debate,
        thesis,
        "con",
        "It misidentifies people.",
        explanation="See the **audit**.",
        author=author,
    )
    source = make_source(debate, key="audit", title="The audit", text=SOURCE_TEXT)
    citation = citation_create(claim=claim, source=source, quote="misidentified")

    # when
    response = client_for(None).get(f"/api/v1/claims/{claim.pk}/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": claim.pk,
        "debate": debate.slug,
        "parent": thesis.pk,
        "depth": 2,
        "number": "1.1",
        "stance": "con",
        "text": "It misidentifies people.",
        "explanation": "See the **audit**.",
        "explanation_html": "<p>See the <strong>audit</strong>.</p>",
        "link_to": None,
        "author": "ada",
        "status": "visible",
        "created": iso(claim.created),
        "updated": iso(claim.updated),
        "citations": [
            {
                "id": citation.pk,
                "claim": claim.pk,
                "source": source.pk,
                "source_key": "audit",
                "source_title": "The audit",
                "source_revision": 1,
                "quote": "misidentified",
                "prefix": "Audits found that the system ",
                "suffix": " people in poor light.",
                "start": 29,
                "end": 42,
                "created": iso(citation.created),
            }
        ],
        "tally": {
            "agree": 0,
            "disagree": 0,
            "pass": 0,
            "voters": 0,
            "impact": [0, 0, 0, 0, 0],
            "impact_voters": 0,
            "impact_mean": None,
        },
    }
    assert "ada@example.org" not in response.content.decode()


def test_an_unknown_claim_is_404():
    response = client_for(None).get("/api/v1/claims/999999/")

    assert response.status_code == 404
    assert response.json() == NO_CLAIM


@pytest.mark.parametrize("status", ["pending", "hidden", "archived"])
@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("participant", 404),
        ("author", 200),
        ("moderator", 200),
        ("owner", 200),
    ],
)
def test_a_claim_that_is_not_visible_is_404_but_to_its_author_and_moderators(
    debate, thesis, author, status, role, expected
):
    # given
    claim = make_claim(debate, thesis, author=author, status=status)
    user = actor(debate, role, author)

    # when
    response = client_for(user).get(f"/api/v1/claims/{claim.pk}/")

    # then
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == status
    else:
        assert response.json() == NO_CLAIM


def test_a_claim_under_a_hidden_claim_is_404_to_readers(debate, thesis):
    # given
    hidden = make_claim(debate, thesis)
    under = make_claim(debate, hidden)
    set_status(hidden, "hidden")

    # when
    as_reader = client_for(None).get(f"/api/v1/claims/{under.pk}/")
    as_moderator = client_for(make_actor(debate, "moderator")).get(
        f"/api/v1/claims/{under.pk}/"
    )

    # then
    assert as_reader.status_code == 404
    assert as_moderator.status_code == 200
    assert as_moderator.json()["parent"] == hidden.pk


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/{pk}/",
        "/api/v1/claims/{pk}/children/",
        "/api/v1/claims/{pk}/revisions/",
        "/api/v1/claims/{pk}/citations/",
    ],
)
@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("participant", 200),
        ("moderator", 200),
        ("owner", 200),
    ],
)
def test_claims_of_a_private_debate_are_404_to_non_members(path, role, expected):
    # given
    debate = DebateFactory(visibility=Debate.Visibility.PRIVATE)
    claim = make_claim(debate)
    user = make_actor(debate, role)

    # when
    response = client_for(user).get(path.format(pk=claim.pk))

    # then
    assert response.status_code == expected
    if expected == 404:
        assert response.json() == NO_CLAIM


def test_anonymous_debates_show_authors_only_to_moderators_and_themselves(
    author, thesis
):
    # given
    debate = thesis.debate
    Debate.objects.filter(pk=debate.pk).update(anonymity=True)
    Membership.objects.filter(debate=debate, user=author).update(
        animal_name="Calm Otter", pseudonym="Nadia"
    )
    claim = make_claim(debate, thesis, author=author)
    path = f"/api/v1/claims/{claim.pk}/"

    # when
    as_reader = client_for(make_actor(debate, "participant")).get(path)
    as_author = client_for(author).get(path)
    as_moderator = client_for(make_actor(debate, "moderator")).get(path)
    revisions = client_for(None).get(path + "revisions/")

    # then: others see the generated name, never who it is
    assert as_reader.json()["author"] == "Calm Otter"
    assert as_author.json()["author"] == "Nadia"
    assert as_moderator.json()["author"] == "Nadia"
    assert revisions.json()["results"][0]["author"] == "Calm Otter"


def test_children_are_the_visible_pros_and_cons_in_path_order(debate, thesis):
    # given
    first = make_claim(debate, thesis, "con", "First.")
    hidden = make_claim(debate, thesis, "pro", "Hidden.")
    second = make_claim(debate, thesis, "pro", "Second.")
    make_claim(debate, first, "pro", "A grandchild.")
    set_status(hidden, "hidden")

    # when
    response = client_for(None).get(f"/api/v1/claims/{thesis.pk}/children/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": first.pk,
                "parent": thesis.pk,
                "depth": 2,
                "number": "1.1",
                "stance": "con",
                "text": "First.",
                "link_to": None,
                "status": "visible",
            },
            {
                "id": second.pk,
                "parent": thesis.pk,
                "depth": 2,
                "number": "1.3",
                "stance": "pro",
                "text": "Second.",
                "link_to": None,
                "status": "visible",
            },
        ],
    }


def test_children_are_paginated(debate, thesis):
    # given
    children = [make_claim(debate, thesis) for _ in range(3)]
    path = f"/api/v1/claims/{thesis.pk}/children/"

    # when
    response = client_for(None).get(path, {"limit": 1, "offset": 1})

    # then
    assert response.json()["count"] == 3
    assert [c["id"] for c in response.json()["results"]] == [children[1].pk]
    assert response.json()["next"] == f"http://testserver{path}?limit=1&offset=2"


# --- Add -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 201),  # a signed-in reader joins an open debate by adding
        ("participant", 201),
        ("moderator", 201),
        ("owner", 201),
    ],
)
def test_who_may_add_a_claim(debate, thesis, role, expected):
    # given
    user = make_actor(debate, role)

    # when
    response = client_for(user).post(
        "/api/v1/claims/",
        {"parent": thesis.pk, "stance": "con", "text": "It is often wrong."},
        format="json",
    )

    # then
    assert response.status_code == expected
    children = Claim.objects.filter(debate=debate, depth=2)
    if expected == 201:
        claim = children.get()
        assert (claim.text, claim.stance, claim.author) == (
            "It is often wrong.",
            "con",
            user,
        )
        assert response.json()["id"] == claim.pk
        assert response.json()["number"] == "1.1"
        assert Membership.objects.filter(debate=debate, user=user).exists()
    else:
        assert response.json() == NOT_SIGNED_IN
        assert children.count() == 0


def test_observers_and_suspended_members_may_not_add_claims(debate, thesis):
    # given
    observer = make_actor(debate, "observer")
    suspended = make_actor(debate, "participant")
    Membership.objects.filter(user=suspended).update(status="suspended")
    body = {"parent": thesis.pk, "stance": "pro", "text": "Me too."}

    # when
    responses = [
        client_for(user).post("/api/v1/claims/", body, format="json")
        for user in (observer, suspended)
    ]

    # then
    assert [r.status_code for r in responses] == [403, 403]
    assert [r.json() for r in responses] == [
        {"detail": "Observers read and flag, but cannot add claims."},
        {"detail": "You are suspended from this debate."},
    ]
    assert Claim.objects.filter(depth=2).count() == 0


def test_the_author_is_the_requester_whatever_the_body_says(debate, thesis):
    # given
    user, impostor_target = UserFactory(), UserFactory(username="someone-else")

    # when
    response = client_for(user).post(
        "/api/v1/claims/",
        {
            "parent": thesis.pk,
            "stance": "pro",
            "text": "Mine.",
            "author": impostor_target.pk,
            "status": "hidden",
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    assert (response.json()["author"], response.json()["status"]) == (
        user.username,
        "visible",
    )
    claim = Claim.objects.get(text="Mine.")
    assert (claim.author, claim.status) == (user, "visible")


def test_a_501_character_claim_is_400_with_the_reason(debate, thesis):
    # given
    user = UserFactory()

    # when
    response = client_for(user).post(
        "/api/v1/claims/",
        {"parent": thesis.pk, "stance": "pro", "text": "x" * 501},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"text": [TOO_LONG]}
    assert Claim.objects.filter(depth=2).count() == 0
    # joining happens with the claim or not at all
    assert not Membership.objects.filter(user=user).exists()


def test_a_500_character_claim_is_fine(debate, thesis):
    response = client_for(UserFactory()).post(
        "/api/v1/claims/",
        {"parent": thesis.pk, "stance": "pro", "text": "x" * 500},
        format="json",
    )

    assert response.status_code == 201
    assert len(Claim.objects.get(depth=2).text) == 500


def test_add_rejects_a_bad_stance_and_a_blank_text(debate, thesis):
    # when
    response = client_for(UserFactory()).post(
        "/api/v1/claims/",
        {"parent": thesis.pk, "stance": "maybe", "text": "  "},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "stance": ['"maybe" is not a valid choice.'],
        "text": ["This field may not be blank."],
    }
    assert Claim.objects.filter(depth=2).count() == 0


def test_a_parent_the_requester_may_not_see_is_400_as_unknown():
    # given
    private = DebateFactory(visibility=Debate.Visibility.PRIVATE)
    thesis = make_claim(private)

    # when
    response = client_for(UserFactory()).post(
        "/api/v1/claims/",
        {"parent": thesis.pk, "stance": "pro", "text": "Let me in."},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "parent": [f'Invalid pk "{thesis.pk}" - object does not exist.']
    }
    assert Claim.objects.filter(depth=2).count() == 0


def test_claims_wait_as_pending_under_premoderation(thesis):
    # given
    debate = thesis.debate
    Debate.objects.filter(pk=debate.pk).update(premoderation=True)
    user = UserFactory()

    # when
    response = client_for(user).post(
        "/api/v1/claims/",
        {"parent": thesis.pk, "stance": "con", "text": "Wait for it."},
        format="json",
    )

    # then
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Claim.objects.get(text="Wait for it.").status == "pending"
    tree = client_for(None).get(f"/api/v1/debates/{debate.slug}/tree/")
    assert [c["id"] for c in tree.json()["results"]] == [thesis.pk]


# --- Edit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("author", 200),
        ("moderator", 200),
        ("owner", 200),
    ],
)
def test_who_may_edit_a_claim(debate, thesis, author, role, expected):
    # given
    claim = make_claim(debate, thesis, text="Old text.", author=author)
    user = actor(debate, role, author)

    # when
    response = client_for(user).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "New text.", "note": "sharper"},
        format="json",
    )

    # then
    assert response.status_code == expected
    claim.refresh_from_db()
    if expected == 200:
        assert response.json()["text"] == "New text."
        assert claim.text == "New text."
        assert claim.revisions.count() == 2
    else:
        assert response.json() == (
            NOT_SIGNED_IN
            if user is None
            else {"detail": "You may only edit your own claims."}
        )
        assert claim.text == "Old text."
        assert claim.revisions.count() == 1


def test_an_edit_keeps_a_revision_with_before_and_after(debate, thesis, author):
    # given
    claim = make_claim(
        debate, thesis, text="Old text.", explanation="Because.", author=author
    )

    # when
    response = client_for(author).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "New text.", "note": "clearer"},
        format="json",
    )

    # then: the explanation, not sent, stays
    assert response.status_code == 200
    assert (response.json()["text"], response.json()["explanation"]) == (
        "New text.",
        "Because.",
    )
    revision = ClaimRevision.objects.get(claim=claim, number=2)
    assert (
        revision.author,
        revision.text_before,
        revision.text_after,
        revision.explanation_before,
        revision.explanation_after,
        revision.note,
    ) == (author, "Old text.", "New text.", "Because.", "Because.", "clearer")


def test_an_edit_of_the_explanation_alone_keeps_the_text(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, text="Same text.", author=author)

    # when
    response = client_for(author).patch(
        f"/api/v1/claims/{claim.pk}/", {"explanation": "Now explained."}, format="json"
    )

    # then
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.text, claim.explanation) == ("Same text.", "Now explained.")
    revision = claim.revisions.get(number=2)
    assert (revision.text_before, revision.text_after) == ("Same text.", "Same text.")
    assert (revision.explanation_before, revision.explanation_after) == (
        "",
        "Now explained.",
    )


def test_an_overlong_edit_is_400_and_keeps_the_claim(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, text="Short.", author=author)

    # when
    response = client_for(author).patch(
        f"/api/v1/claims/{claim.pk}/", {"text": "y" * 501}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"text": [TOO_LONG]}
    claim.refresh_from_db()
    assert claim.text == "Short."
    assert claim.revisions.count() == 1


def test_editing_a_hidden_claim_of_someone_else_is_404(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, text="Hidden.", author=author)
    set_status(claim, "hidden")

    # when
    response = client_for(make_actor(debate, "participant")).patch(
        f"/api/v1/claims/{claim.pk}/", {"text": "Mine now."}, format="json"
    )

    # then
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.text == "Hidden."


def test_revisions_list_every_version_oldest_first(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, text="One.", author=author)
    client = client_for(author)
    client.patch(f"/api/v1/claims/{claim.pk}/", {"text": "Two."}, format="json")
    first, second = claim.revisions.order_by("number")

    # when
    response = client_for(None).get(f"/api/v1/claims/{claim.pk}/revisions/")

    # then
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "number": 1,
            "author": author.username,
            "text_before": "",
            "text_after": "One.",
            "explanation_before": "",
            "explanation_after": "",
            "note": "",
            "created": iso(first.created),
            "redacted": None,
        },
        {
            "number": 2,
            "author": author.username,
            "text_before": "One.",
            "text_after": "Two.",
            "explanation_before": "",
            "explanation_after": "",
            "note": "",
            "created": iso(second.created),
            "redacted": None,
        },
    ]


# --- Citations -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("author", 201),
        ("moderator", 201),
        ("owner", 201),
    ],
)
def test_who_may_cite_a_source_for_a_claim(debate, thesis, author, role, expected):
    # given
    claim = make_claim(debate, thesis, author=author)
    source = make_source(debate, text=SOURCE_TEXT)
    user = actor(debate, role, author)

    # when
    response = client_for(user).post(
        f"/api/v1/claims/{claim.pk}/citations/",
        {"source": source.pk, "quote": "misidentified people"},
        format="json",
    )

    # then
    assert response.status_code == expected
    if expected == 201:
        citation = Citation.objects.get()
        assert response.json() == {
            "id": citation.pk,
            "claim": claim.pk,
            "source": source.pk,
            "source_key": source.key,
            "source_title": source.title,
            "source_revision": 1,
            "quote": "misidentified people",
            "prefix": "Audits found that the system ",
            "suffix": " in poor light.",
            "start": 29,
            "end": 49,
            "created": iso(citation.created),
        }
        assert (citation.claim, citation.source, citation.created_by) == (
            claim,
            source,
            user,
        )
    else:
        assert response.json() == (
            NOT_SIGNED_IN
            if user is None
            else {
                "detail": "Only the claim's author or a moderator may cite "
                "evidence for it."
            }
        )
        assert Citation.objects.count() == 0


def test_a_quote_that_is_not_in_the_source_is_400(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, author=author)
    source = make_source(debate, text=SOURCE_TEXT)

    # when
    response = client_for(author).post(
        f"/api/v1/claims/{claim.pk}/citations/",
        {"source": source.pk, "quote": "identified everyone correctly"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "quote": ["The quoted passage does not occur in the source text."]
    }
    assert Citation.objects.count() == 0


def test_a_quote_at_the_wrong_start_is_400(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, author=author)
    source = make_source(debate, text=SOURCE_TEXT)

    # when
    response = client_for(author).post(
        f"/api/v1/claims/{claim.pk}/citations/",
        {"source": source.pk, "quote": "misidentified", "start": 3},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "quote": ["The text at position 3 is not the quoted passage."]
    }
    assert Citation.objects.count() == 0


def test_a_source_of_another_debate_is_400_as_unknown(debate, thesis, author):
    # given
    claim = make_claim(debate, thesis, author=author)
    elsewhere = make_source(DebateFactory(), text=SOURCE_TEXT)

    # when
    response = client_for(author).post(
        f"/api/v1/claims/{claim.pk}/citations/",
        {"source": elsewhere.pk, "quote": "misidentified"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "source": [f'Invalid pk "{elsewhere.pk}" - object does not exist.']
    }
    assert Citation.objects.count() == 0


def test_list_a_claims_citations_in_text_order(debate, thesis):
    # given
    claim = make_claim(debate, thesis)
    source = make_source(debate, text=SOURCE_TEXT)
    later = citation_create(claim=claim, source=source, quote="poor light")
    earlier = citation_create(claim=claim, source=source, quote="Audits")

    # when
    response = client_for(None).get(f"/api/v1/claims/{claim.pk}/citations/")

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [(c["id"], c["quote"], c["start"]) for c in response.json()["results"]] == [
        (earlier.pk, "Audits", 0),
        (later.pk, "poor light", 53),
    ]


def test_read_a_citation(debate, thesis):
    # given
    claim = make_claim(debate, thesis)
    citation = citation_create(
        claim=claim, source=make_source(debate, text=SOURCE_TEXT), quote="Audits"
    )

    # when
    response = client_for(None).get(f"/api/v1/citations/{citation.pk}/")

    # then
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["claim"]) == (citation.pk, claim.pk)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("author", 204),
        ("moderator", 204),
        ("owner", 204),
    ],
)
def test_who_may_remove_a_citation(debate, thesis, author, role, expected):
    # given
    claim = make_claim(debate, thesis, author=author)
    citation = citation_create(
        claim=claim, source=make_source(debate, text=SOURCE_TEXT), quote="Audits"
    )
    user = actor(debate, role, author)

    # when
    response = client_for(user).delete(f"/api/v1/citations/{citation.pk}/")

    # then
    assert response.status_code == expected
    exists = Citation.objects.filter(pk=citation.pk).exists()
    if expected == 204:
        assert response.content == b""
        assert not exists
    else:
        assert exists


def test_citations_of_a_hidden_claim_are_404_to_readers(debate, thesis):
    # given
    claim = make_claim(debate, thesis)
    citation = citation_create(
        claim=claim, source=make_source(debate, text=SOURCE_TEXT), quote="Audits"
    )
    set_status(claim, "hidden")

    # when
    response = client_for(None).get(f"/api/v1/citations/{citation.pk}/")

    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No such citation."}
