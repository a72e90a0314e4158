import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.formats.document import DebateDocument, DocCitation, DocClaim, DocSource
from claims.models import Claim, ClaimRevision
from claims.services import claim_create, document_import
from deliberation.models import Membership
from tests.factories import DebateFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def build_tree(debate, total: int, branching: int = 6) -> list[Claim]:
    """A debate of ``total`` claims, breadth-first, ``branching`` children each."""
    root = DocClaim(key="0", text="Thesis", citations=[DocCitation("s", "passage")])
    queue, made = [root], 1
    while made < total:
        parent = queue.pop(0)
        for _ in range(min(branching, total - made)):
            child = DocClaim(
                key=str(made),
                text=f"Claim {made}",
                stance="pro" if made % 2 else "con",
                citations=[DocCitation("s", "passage")],
            )
            parent.children.append(child)
            queue.append(child)
            made += 1
    document = DebateDocument(
        question="Q",
        sources=[DocSource(key="s", title="S", text="a passage of text")],
        theses=[root],
    )
    return document_import(debate=debate, document=document)


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_debate_page_query_count_does_not_grow_with_the_tree(client, signed_in):
    small, large = DebateFactory(), DebateFactory()
    build_tree(small, 10)
    large_claims = build_tree(large, 2000)
    if signed_in:
        client.force_login(UserFactory())
    deep = max(large_claims, key=lambda c: c.depth)

    counts = {
        "small": page_queries(client, f"/d/{small.slug}/"),
        "large": page_queries(client, f"/d/{large.slug}/"),
        "large-deep": page_queries(client, f"/d/{large.slug}/claims/{deep.pk}/"),
    }

    assert counts["small"] == counts["large"] == counts["large-deep"]
    assert counts["large"] <= 15


def test_debate_page_shows_pros_and_cons_side_by_side_with_outline(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="Cameras keep us safe.")
    claim_create(debate=debate, parent=thesis, stance="pro", text="Crime fell.")
    con = claim_create(
        debate=debate, parent=thesis, stance="con", text="Privacy is lost."
    )
    claim_create(
        debate=debate, parent=con, stance="pro", text="Footage is kept forever."
    )
    claim_create(
        debate=debate, parent=thesis, stance="con", text="Hidden one", status="hidden"
    )

    html = client.get(f"/d/{debate.slug}/").content.decode()

    pro_col = html.split('class="column pro"')[1].split("</section>")[0]
    con_col = html.split('class="column con"')[1].split("</section>")[0]
    assert "Crime fell." in pro_col and "Privacy is lost." not in pro_col
    assert "Privacy is lost." in con_col and "1 pro · 0 cons" in con_col
    assert "Hidden one" not in html
    outline = html.split('class="minimap')[1]
    assert '<span class="num">1.2.1</span>' in outline
    assert "Footage is kept forever." in outline


def test_claim_page_has_breadcrumbs_to_the_thesis(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="Thesis text")
    con = claim_create(debate=debate, parent=thesis, stance="con", text="A con")
    deep = claim_create(debate=debate, parent=con, stance="pro", text="Deep pro")

    html = client.get(f"/d/{debate.slug}/claims/{deep.pk}/").content.decode()

    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert "Thesis: Thesis text" in crumbs and "Con: A con" in crumbs


def test_link_claim_leads_to_its_target(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    target = claim_create(debate=debate, parent=thesis, stance="pro", text="Target")
    link = claim_create(debate=debate, parent=thesis, stance="con", link_to=target)

    response = client.get(f"/d/{debate.slug}/claims/{link.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/d/{debate.slug}/claims/{target.pk}/"


def test_private_debate_is_404_for_outsiders_and_shown_to_members(client):
    debate = DebateFactory(visibility="private")
    claim_create(debate=debate, parent=None, text="Secret thesis")
    member = MembershipFactory(debate=debate).user

    assert client.get(f"/d/{debate.slug}/").status_code == 404
    assert b"Secret thesis" not in client.get("/").content
    client.force_login(member)
    assert client.get(f"/d/{debate.slug}/").status_code == 200


def test_signed_in_person_adds_a_con_and_joins(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        f"/d/{debate.slug}/claims/{thesis.pk}/add/",
        {"stance": "con", "text": "It chills speech.", "author": UserFactory().pk},
    )

    claim = Claim.objects.get(text="It chills speech.")
    assert response.status_code == 302
    assert (claim.author, claim.stance, claim.depth, claim.status) == (
        user,
        "con",
        2,
        "visible",
    )
    assert Membership.objects.get(debate=debate, user=user).role == "participant"


def test_anonymous_cannot_add(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")

    response = client.post(
        f"/d/{debate.slug}/claims/{thesis.pk}/add/", {"stance": "pro", "text": "x"}
    )

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Claim.objects.count() == 1


def test_observer_cannot_add(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    observer = MembershipFactory(debate=debate, role="observer").user
    client.force_login(observer)

    response = client.post(
        f"/d/{debate.slug}/claims/{thesis.pk}/add/", {"stance": "pro", "text": "x"}
    )

    assert response.status_code == 403
    assert Claim.objects.count() == 1


def test_add_with_too_long_text_shows_the_reason_and_keeps_input(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    client.force_login(UserFactory())

    response = client.post(
        f"/d/{debate.slug}/claims/{thesis.pk}/add/",
        {"stance": "pro", "text": "y" * 501},
    )

    assert response.status_code == 400
    assert "Ensure this value has at most 500 characters (it has 501)." in (
        response.content.decode()
    )
    assert "y" * 501 in response.content.decode()
    assert Claim.objects.count() == 1


def test_author_edits_own_claim_and_history_shows_both_texts(client):
    debate = DebateFactory()
    author = UserFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    claim = claim_create(
        debate=debate, parent=thesis, stance="pro", text="Old", author=author
    )
    client.force_login(author)

    response = client.post(
        f"/d/{debate.slug}/claims/{claim.pk}/edit/", {"text": "New", "note": "clearer"}
    )

    assert response.status_code == 302
    history = client.get(
        f"/d/{debate.slug}/claims/{claim.pk}/history/"
    ).content.decode()
    assert "<del>Old</del> → <ins>New</ins>" in history and "clearer" in history


def test_someone_else_cannot_edit(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    claim = claim_create(
        debate=debate, parent=thesis, stance="pro", text="Mine", author=UserFactory()
    )
    client.force_login(UserFactory())

    response = client.post(
        f"/d/{debate.slug}/claims/{claim.pk}/edit/", {"text": "Theirs"}
    )

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.text == "Mine"
    assert ClaimRevision.objects.filter(claim=claim).count() == 1


def test_search_finds_claims_and_sources_in_public_debates_only(client):
    public, private = DebateFactory(), DebateFactory(visibility="private")
    claim_create(debate=public, parent=None, text="Emotion recognition is unproven")
    claim_create(debate=private, parent=None, text="Emotion recognition in secret")

    html = client.get("/search/?q=emotion recognition").content.decode()

    assert "Emotion recognition is unproven" in html
    assert "in secret" not in html
    assert "1 claim and 0 sources" in html


def test_debate_search_links_to_claim_in_tree(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="Cameras are marked")

    html = client.get(f"/d/{debate.slug}/search/?q=marked").content.decode()

    assert f'href="/d/{debate.slug}/claims/{thesis.pk}/"' in html


def test_claim_under_a_hidden_claim_is_404_except_for_moderators(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    hidden = claim_create(
        debate=debate, parent=thesis, stance="con", text="Gone", status="hidden"
    )
    below = claim_create(debate=debate, parent=hidden, stance="pro", text="Below")
    moderator = MembershipFactory(debate=debate, role="moderator").user

    assert client.get(f"/d/{debate.slug}/claims/{below.pk}/").status_code == 404
    client.force_login(moderator)
    assert client.get(f"/d/{debate.slug}/claims/{below.pk}/").status_code == 200


def test_numbers_are_stable_when_a_sibling_is_hidden_and_match_the_api(client):
    debate = DebateFactory()
    claim_create(debate=debate, parent=None, text="First thesis", status="hidden")
    thesis = claim_create(debate=debate, parent=None, text="Second thesis")
    claim_create(
        debate=debate, parent=thesis, stance="pro", text="Gone", status="hidden"
    )
    kept = claim_create(debate=debate, parent=thesis, stance="con", text="Kept")

    html = client.get(f"/d/{debate.slug}/claims/{kept.pk}/").content.decode()
    api = client.get(f"/api/v1/claims/{kept.pk}/").json()

    assert '<span class="num">2.2</span>' in html
    assert api["number"] == "2.2"


def test_link_card_shows_its_targets_counts(client):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    target = claim_create(debate=debate, parent=thesis, stance="pro", text="Target")
    claim_create(debate=debate, parent=target, stance="con", text="Against target")
    other = claim_create(debate=debate, parent=thesis, stance="con", text="Other")
    claim_create(debate=debate, parent=other, stance="pro", link_to=target)

    html = client.get(f"/d/{debate.slug}/claims/{other.pk}/").content.decode()

    pro_col = html.split('class="column pro"')[1].split("</section>")[0]
    assert "Target" in pro_col and "0 pros · 1 con" in pro_col
