"""The pages: highlights and the sidebar on the source page, evidence and the
discussion on the claim page, forms that work without JavaScript, no XSS."""

import re

import pytest

from claims.models import Annotation, Claim
from claims.services import source_reanchor
from deliberation import services
from deliberation.models import Comment
from tests.factories import MembershipFactory, UserFactory, make_claim, make_source

TEXT = (
    "In the trial, three stations used live facial recognition. "
    "The police said arrests rose by a fifth in the first month."
)
PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click](javascript:alert(3))",
    '<a href="javascript:alert(4)">x</a>',
]


def source_url(debate, source):
    return f"/d/{debate.slug}/sources/{source.key}/"


def claim_url(debate, claim):
    return f"/d/{debate.slug}/claims/{claim.pk}/"


def test_evidence_survives_a_claim_edit_and_shows_on_both_pages(
    client, debate, eager_tasks, django_capture_on_commit_callbacks
):
    # given
    author = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras cut crime.")
    claim = make_claim(debate, parent=thesis, text="Arrests rose.", author=author)
    source = make_source(debate, text=TEXT)
    support = services.annotation_add(
        user=author,
        debate=debate,
        source=source,
        quote="arrests rose by a fifth",
        evidence_claim=claim,
        relation="supports",
    )
    against = services.annotation_add(
        user=author,
        debate=debate,
        source=source,
        quote="three stations",
        evidence_claim=claim,
        relation="opposes",
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_edit(user=author, claim=claim, text="Arrests rose by 20%.")
    claim_page = client.get(claim_url(debate, claim)).content.decode()
    source_page = client.get(source_url(debate, source)).content.decode()

    # then: the claim page lists both, linking to the highlighted spots
    evidence = claim_page.split('class="evidence"')[1].split("</section>")[0]
    assert f'href="{source_url(debate, source)}#hl-{support.pk}"' in evidence
    assert f'href="{source_url(debate, source)}#hl-{against.pk}"' in evidence
    assert "“arrests rose by a fifth”" in evidence and "+</span> Supports" in evidence
    assert "“three stations”" in evidence and "−</span> Opposes" in evidence
    # and the source page highlights both, told apart by more than colour
    assert (
        f'<span id="hl-{support.pk}" class="anchor"></span>'
        f'<mark class="hl-supports" data-annotations="{support.pk}">'
        "arrests rose by a fifth</mark>"
    ) in source_page
    assert (
        f'<mark class="hl-opposes" data-annotations="{against.pk}">'
        "three stations</mark>"
    ) in source_page
    assert re.search(
        r'<sup class="hl-marker supports" data-not-text>'
        rf'<a href="#annotation-{support.pk}" data-annotation="{support.pk}">\+'
        r'<span class="visually-hidden"> Supports: Arrests rose by 20%\.',
        source_page,
    )
    assert f'<li class="annotation opposes" id="annotation-{against.pk}">' in (
        source_page
    )


def test_orphans_stay_in_the_sidebar_with_their_quote_and_are_not_highlighted(
    client, debate
):
    source = make_source(debate, text=TEXT)
    annotation = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="three stations"
    )
    services.source_edit(user=debate.owner, source=source, text="A new digest.")
    source_reanchor(source=source)

    html = client.get(source_url(debate, source)).content.decode()

    orphans = html.split('id="orphans-heading"')[1].split("</ol>")[0]
    assert "“three stations”" in orphans
    assert f'href="/d/{debate.slug}/annotations/{annotation.pk}/"' in orphans
    assert "<mark" not in html.split('class="source-text"')[1].split("</div>")[0]
    thread = client.get(f"/d/{debate.slug}/annotations/{annotation.pk}/")
    assert "was not found again after the text was edited" in thread.content.decode()


def test_annotating_without_javascript_by_typing_the_quote(client, debate):
    thesis = make_claim(debate, text="Cameras cut crime.")
    source = make_source(debate, text=TEXT)
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        f"{source_url(debate, source)}annotate/",
        {
            "quote": "arrests rose by a fifth",
            "body": "Only one month.",
            "tags": "numbers, police",
            "relation": "supports",
            "evidence_claim": f"#{thesis.pk}",
            "visibility": "everyone",
        },
    )

    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{source_url(debate, source)}#hl-{annotation.pk}"
    assert (annotation.evidence_claim, annotation.relation, annotation.tags) == (
        thesis,
        "supports",
        ["numbers", "police"],
    )
    assert annotation.creator == user


def test_a_new_con_from_a_passage_in_one_form(client, debate):
    thesis = make_claim(debate, text="Cameras cut crime.")
    source = make_source(debate, text=TEXT)
    client.force_login(UserFactory())

    response = client.post(
        f"{source_url(debate, source)}annotate/",
        {
            "quote": "three stations",
            "relation": "supports",
            "new_claim_parent": "cameras cut",
            "new_claim_stance": "con",
            "new_claim_text": "The trial was too small to tell.",
            "visibility": "everyone",
        },
    )

    assert response.status_code == 302
    claim = Claim.objects.get(text="The trial was too small to tell.")
    assert (claim.parent_path, claim.stance) == (thesis.path, "con")
    assert Annotation.objects.get().evidence_claim == claim


def test_a_misquote_keeps_the_input_and_says_why(client, debate):
    source = make_source(debate, text=TEXT)
    client.force_login(UserFactory())

    response = client.post(
        f"{source_url(debate, source)}annotate/",
        {"quote": "arrests fell", "body": "keep me", "visibility": "everyone"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "The quoted passage does not occur in the text." in html
    assert "keep me" in html
    assert Annotation.objects.count() == 0


def test_annotating_a_claims_wording_from_the_claim_page(client, debate):
    claim = make_claim(debate, text="Cameras in every station cut crime.")
    client.force_login(UserFactory())

    response = client.post(
        f"{claim_url(debate, claim)}annotate/",
        {"quote": "every station", "body": "All of them?", "visibility": "everyone"},
    )

    annotation = Annotation.objects.get()
    assert (
        response["Location"] == f"{claim_url(debate, claim)}#annotation-{annotation.pk}"
    )
    html = client.get(claim_url(debate, claim)).content.decode()
    notes = html.split('id="notes-heading"')[1].split("</ol>")[0]
    assert "“every station”" in notes and "All of them?" in notes


def test_threaded_replies_and_deleted_comments_without_javascript(client, debate):
    claim = make_claim(debate, text="Cameras cut crime.")
    user = UserFactory()
    client.force_login(user)
    url = f"{claim_url(debate, claim)}comments/"

    client.post(url, {"body": "Which cameras?", "alignment": "neutral"})
    first = Comment.objects.get()
    client.post(url, {"body": "The new ones.", "alignment": "for", "parent": first.pk})
    client.post(f"/d/{debate.slug}/comments/{first.pk}/delete/")
    reply_form = client.get(f"{claim_url(debate, claim)}?reply={first.pk + 1}")

    html = reply_form.content.decode()
    thread = html.split('class="discussion"')[1].split("</section>")[0]
    assert thread.index("[deleted]") < thread.index("The new ones.")
    assert "Which cameras?" not in html
    assert f'<input type="hidden" name="parent" value="{first.pk + 1}">' in thread
    assert Comment.objects.get(pk=first.pk).body == "Which cameras?"  # kept


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_comments_and_annotations_is_inert(client, debate, payload):
    claim = make_claim(debate, text="Cameras cut crime.")
    source = make_source(debate, text=TEXT)
    user = MembershipFactory(debate=debate).user
    annotation = services.annotation_add(
        user=user,
        debate=debate,
        source=source,
        quote="three stations",
        body=payload,
        tags=[payload[:40]],
        evidence_claim=claim,
        relation="supports",
    )
    services.comment_add(user=user, claim=claim, body=payload)
    services.comment_add(user=user, annotation=annotation, body=payload)

    pages = [
        client.get(source_url(debate, source)).content.decode(),
        client.get(claim_url(debate, claim)).content.decode(),
        client.get(f"/d/{debate.slug}/annotations/{annotation.pk}/").content.decode(),
    ]

    for html in pages:
        main = html.split('<main id="main"')[1].split("</main>")[0]
        assert "<script>" not in main and "<script " not in main.replace(
            '<script type="module" src="/static/js/annotate.js"></script>', ""
        )
        assert "onerror=" not in main.replace("onerror=&quot;", "")
        assert 'href="javascript:' not in main
        assert "<img" not in main


def test_api_renders_comment_html_sanitised(debate):
    from tests.api.helpers import client_for

    claim = make_claim(debate, text="Cameras cut crime.")
    user = MembershipFactory(debate=debate).user
    services.comment_add(user=user, claim=claim, body=" ".join(PAYLOADS))

    data = client_for(user).get(f"/api/v1/claims/{claim.pk}/comments/").json()

    assert data["results"][0]["body_html"] == (
        '\n<p> <a rel="nofollow ugc noopener">click</a> '
        '<a rel="nofollow ugc noopener">x</a></p>'
    )


def page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_discussion(debate, claim, source, n):
    user = MembershipFactory(debate=debate).user
    for i in range(n):
        annotation = services.annotation_add(
            user=user,
            debate=debate,
            source=source,
            quote="arrests rose",
            body=f"Note {i}",
            evidence_claim=claim,
            relation="supports" if i % 2 else "opposes",
        )
        services.annotation_add(
            user=user, debate=debate, claim=claim, quote="cut", body=f"Word {i}"
        )
        parent = services.comment_add(user=user, claim=claim, body=f"Comment {i}")
        services.comment_add(user=user, claim=claim, parent=parent, body="Reply")
        services.comment_add(user=user, annotation=annotation, body="On it")


def test_claim_and_source_pages_do_not_query_more_with_more_discussion(client, db):
    from tests.factories import DebateFactory

    pages = {}
    for n in (1, 12):
        debate = DebateFactory()
        claim = make_claim(debate, text="Cameras cut crime.")
        source = make_source(debate, text=TEXT)
        add_discussion(debate, claim, source, n)
        client.force_login(UserFactory())
        pages[n] = (
            page_queries(client, claim_url(debate, claim)),
            page_queries(client, source_url(debate, source)),
        )

    assert pages[1] == pages[12]
    assert pages[12][0] <= 16  # 16th: the sources "Add evidence" offers
