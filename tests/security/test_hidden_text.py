"""Hidden text stays hidden in every channel (issue 15, item 1).

Unique marker words are planted in a hidden claim X and its visible child Y
(with a citation and an evidence annotation of Y), in a claim L2 that a
duplicate was merged into before L2 was hidden (the duplicate is now a link to
it), in a hidden comment and in a hidden annotation. Then every page and API
answer that lists claims is fetched as an anonymous reader, a signed-in
stranger, a participant, the author of X (who wrote Y, the comment and the
annotations too) and a moderator, and each marker must appear exactly for the
roles allowed to read it: in no answer for the others, and in at least one
answer for those allowed (so the walk would see a leak)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from deliberation import services
from deliberation.models import Vote
from deliberation.selectors.interchange import EXPORT_FORMATS
from deliberation.services.analysis import analysis_run
from tests.api.helpers import client_for
from tests.factories import (
    DebateFactory,
    MembershipFactory,
    UserFactory,
    make_claim,
    make_source,
)
from tests.security import live

pytestmark = pytest.mark.django_db

PUBLIC = "zqpublicthesis"
HIDDEN_X = "zqhiddenclaimx"
CHILD_Y = "zqchildclaimy"
LINK_TARGET = "zqlinktargetl"
COMMENT = "zqhiddencomment"
ANNOTATION = "zqhiddenannotation"
EVIDENCE = "zqevidenceofy"
MARKERS = (HIDDEN_X, CHILD_Y, LINK_TARGET, COMMENT, ANNOTATION, EVIDENCE)
ROLES = ("anonymous", "stranger", "participant", "author", "moderator")
# Who may read each marker. The author wrote X (hidden: still theirs to read),
# Y, the comment (shown to them masked in its thread, but their own text in
# their notifications) and both annotations; the moderator reads everything.
ALLOWED = {
    "anonymous": set(),
    "stranger": set(),
    "participant": set(),
    "author": {HIDDEN_X, CHILD_Y, COMMENT, ANNOTATION, EVIDENCE},
    "moderator": set(MARKERS),
}
PASSAGE = "cameras were installed on every corner"
SEARCHED = ("cameras", "watch", "footage", "crime", "rude")


@pytest.fixture
def scene():
    debate = DebateFactory()
    owner = debate.owner
    moderator = MembershipFactory(debate=debate, role="moderator").user
    author = MembershipFactory(debate=debate).user
    participant = MembershipFactory(debate=debate).user
    source = make_source(
        debate, text=f"In 2019 {PASSAGE}, and arrests rose in the centre."
    )
    thesis = make_claim(debate, text=f"{PUBLIC} Cameras make streets safer.")
    x = make_claim(
        debate, thesis, "con", text=f"{HIDDEN_X} Cameras watch us.", author=author
    )
    y = make_claim(debate, x, "pro", text=f"{CHILD_Y} Footage leaks.", author=author)
    kept = make_claim(
        debate, thesis, "pro", text=f"{LINK_TARGET} Crime fell.", author=owner
    )
    duplicate = make_claim(
        debate, thesis, "pro", text="Crime went down.", author=participant
    )
    citation = services.citation_add(
        user=moderator, claim=y, source=source, quote=PASSAGE
    )
    evidence = services.annotation_add(
        user=author,
        debate=debate,
        source=source,
        quote=PASSAGE,
        body=f"{EVIDENCE} shows it.",
        evidence_claim=y,
        relation="supports",
    )
    note = services.annotation_add(
        user=author,
        debate=debate,
        source=source,
        quote="arrests rose",
        body=f"{ANNOTATION} rude note.",
    )
    comment = services.comment_add(
        user=author, claim=thesis, body=f"{COMMENT} rude remark."
    )
    services.claims_merge(user=moderator, duplicate=duplicate, kept=kept)
    for item in (kept, x, note, comment):
        item.refresh_from_db()
        services.item_hide(user=moderator, item=item, reason="Not here")
    users = {
        "anonymous": None,
        "stranger": UserFactory(),
        "participant": participant,
        "author": author,
        "moderator": moderator,
    }
    # Everyone signed in has voted on the thesis: guided voting then offers Y
    # or nothing. The author and the moderator voted on Y as well (for the
    # analysis, which runs on everyone's votes).
    for user in users.values():
        if user is not None:
            Vote.objects.create(claim=thesis, user=user, stance="agree")
    for user in (author, moderator):
        Vote.objects.create(claim=y, user=user, stance="disagree")
    analysis_run(debate=debate)
    return {
        "debate": debate,
        "users": users,
        "thesis": thesis,
        "x": x,
        "y": y,
        "kept": kept,
        "link": Claim.objects.get(pk=duplicate.pk),
        "source": source,
        "citation": citation,
        "evidence": evidence,
        "note": note,
        "comment": comment,
    }


def urls(s) -> list[str]:
    slug = s["debate"].slug
    d = f"/d/{slug}"
    claims = [s[k].pk for k in ("thesis", "x", "y", "kept", "link")]
    pages = [
        "/",
        f"{d}/",
        *(f"{d}/claims/{pk}/" for pk in claims),
        *(f"{d}/claims/{pk}/history/" for pk in claims),
        # By the claims' other words: a search page repeats its query.
        *(f"/search/?q={w}" for w in SEARCHED),
        *(f"{d}/search/?q={w}" for w in SEARCHED),
        f"{d}/sources/",
        f"{d}/sources/{s['source'].key}/",
        f"{d}/vote/",
        f"{d}/annotations/{s['note'].pk}/",
        f"{d}/annotations/{s['evidence'].pk}/",
        *(f"{d}/claims/{pk}/flag/" for pk in claims),
        f"{d}/comments/{s['comment'].pk}/flag/",
        f"{d}/annotations/{s['note'].pk}/flag/",
        f"{d}/annotations/{s['evidence'].pk}/flag/",
        f"{d}/comments/{s['comment'].pk}/history/",
        *(f"{d}/export/{name}/" for name in EXPORT_FORMATS),
        f"{d}/analysis/",
        f"{d}/moderation-log/",
        f"{d}/flags/mine/",
        "/notifications/",
    ]
    a = "/api/v1"
    api = [
        f"{a}/debates/",
        f"{a}/debates/{slug}/",
        f"{a}/debates/{slug}/tree/?limit=500",
        f"{a}/debates/{slug}/similar/?text=Footage+leaks+and+crime+fell",
        *(f"{a}/claims/{pk}/" for pk in claims),
        *(f"{a}/claims/{pk}/children/" for pk in claims),
        *(f"{a}/claims/{pk}/revisions/" for pk in claims),
        *(f"{a}/claims/{pk}/citations/" for pk in claims),
        *(f"{a}/claims/{pk}/comments/" for pk in claims),
        *(f"{a}/claims/{pk}/tally/" for pk in claims),
        f"{a}/comments/{s['comment'].pk}/",
        f"{a}/comments/{s['comment'].pk}/revisions/",
        f"{a}/debates/{slug}/annotations/",
        f"{a}/annotations/{s['note'].pk}/",
        f"{a}/annotations/{s['evidence'].pk}/",
        f"{a}/annotations/{s['note'].pk}/comments/",
        f"{a}/debates/{slug}/sources/",
        f"{a}/sources/{s['source'].pk}/",
        f"{a}/citations/{s['citation'].pk}/",
        *(f"{a}/debates/{slug}/export/?format={name}" for name in EXPORT_FORMATS),
        f"{a}/debates/{slug}/my-flags/",
        f"{a}/debates/{slug}/moderation-log/",
        f"{a}/notifications/",
    ]
    return pages + api


def walk(s, role) -> dict[str, str]:
    client = client_for(s["users"][role])
    answers = {}
    for url in urls(s):
        response = client.get(url)
        assert response.status_code < 500, (role, url, response.status_code)
        body = b"".join(response) if response.streaming else response.content
        answers[url] = body.decode("utf-8", errors="replace")
    return answers


@pytest.mark.parametrize("role", ROLES)
def test_each_marker_reaches_exactly_the_roles_allowed_to_read_it(scene, role):
    answers = walk(scene, role)

    found = {
        marker: sorted(url for url, text in answers.items() if marker in text)
        for marker in MARKERS
    }
    leaks = {m: urls for m, urls in found.items() if urls and m not in ALLOWED[role]}
    unseen = sorted(m for m in ALLOWED[role] if not found[m])
    assert (leaks, unseen) == ({}, [])
    # The walk reads real pages: the public thesis is everywhere it should be.
    assert PUBLIC in answers[f"/d/{scene['debate'].slug}/"]


def test_the_allowed_read_the_hidden_text_where_expected(scene):
    slug = scene["debate"].slug
    tree = f"/api/v1/debates/{slug}/tree/?limit=500"
    by_author = walk(scene, "author")
    by_moderator = walk(scene, "moderator")

    assert HIDDEN_X in by_author[tree] and CHILD_Y in by_author[tree]
    assert LINK_TARGET not in by_author[tree]
    assert all(m in by_moderator[tree] for m in (HIDDEN_X, CHILD_Y, LINK_TARGET))
    # The moderator reads the hidden comment in its thread, marked hidden.
    assert COMMENT in by_moderator[f"/d/{slug}/claims/{scene['thesis'].pk}/"]


def test_the_participant_is_offered_nothing_in_a_hidden_branch(scene, client):
    client.force_login(scene["users"]["participant"])

    html = client.get(f"/d/{scene['debate'].slug}/vote/").content.decode()

    assert CHILD_Y not in html and HIDDEN_X not in html
    assert 'id="claim-' not in html  # no claim offered at all


def test_the_author_is_offered_their_claim_under_their_hidden_claim(scene, client):
    author = scene["users"]["author"]
    Vote.objects.filter(user=author, claim=scene["y"]).delete()
    client.force_login(author)

    html = client.get(f"/d/{scene['debate'].slug}/vote/").content.decode()

    assert f'id="claim-{scene["y"].pk}"' in html
    assert f"{HIDDEN_X} Cameras watch us." in html  # "Pro of: <X>", theirs


def test_the_printed_summary_and_report_leave_hidden_branches_out(scene):
    client = client_for(scene["users"]["moderator"])
    slug = scene["debate"].slug

    for url in (
        f"/d/{slug}/summary/",
        f"/d/{slug}/summary.csv",
        f"/d/{slug}/summary.md",
        f"/d/{slug}/report/",
    ):
        response = client.get(url)
        text = response.content.decode()
        assert response.status_code == 200, url
        assert PUBLIC in text, url
        assert not [m for m in (HIDDEN_X, CHILD_Y, LINK_TARGET) if m in text], url


def test_a_link_to_a_hidden_claim_shows_nothing_of_it():
    debate = DebateFactory()
    thesis = make_claim(debate)
    target = make_claim(debate, thesis, text=f"{LINK_TARGET} target.")
    link = make_claim(debate, thesis, "con", text="", link_to=target)
    assert link.display_text == f"{LINK_TARGET} target."

    Claim.objects.filter(pk=target.pk).update(status=Claim.Status.HIDDEN)
    link = Claim.objects.select_related("link_to").get(pk=link.pk)

    assert link.display_text == ""


@pytest.mark.parametrize("role", ["anonymous", "participant", "moderator"])
def test_reading_queries_do_not_grow_with_hidden_branches(role):
    """The API tree and the map page ask the rule in a fixed number of
    queries for every role, whatever the size of the tree."""

    def debate_of(size):
        debate = DebateFactory()
        moderator = MembershipFactory(debate=debate, role="moderator").user
        thesis = make_claim(debate)
        claims = [thesis]
        for i in range(1, size):
            claims.append(
                make_claim(debate, claims[(i - 1) // 3], ("pro", "con")[i % 2])
            )
        for claim in (claims[1], claims[-1]):
            services.item_hide(user=moderator, item=claim, reason="Not here")
        return debate, moderator, thesis

    def queries(client, url):
        client.get(url)  # warm-up: session, permissions
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    counts = []
    for size in (8, 40):
        debate, moderator, thesis = debate_of(size)
        user = None
        if role == "participant":
            user = MembershipFactory(debate=debate).user
        elif role == "moderator":
            user = moderator
        client = client_for(user)
        counts.append(
            (
                queries(client, f"/api/v1/debates/{debate.slug}/tree/"),
                queries(client, f"/d/{debate.slug}/claims/{thesis.pk}/"),
            )
        )

    assert counts[0] == counts[1]


# --- Live events: the same walk over websocket messages -----------------------


def _hidden_branch_acts(s) -> None:
    """What the author and a moderator do inside X's hidden branch: each
    would once have gone out to every open page of the debate."""
    author, moderator = s["users"]["author"], s["users"]["moderator"]
    y = Claim.objects.get(pk=s["y"].pk)
    services.claim_edit(user=author, claim=y, text=f"{CHILD_Y} Footage leaks twice.")
    under = services.claim_contribute(
        user=author, parent=y, stance="con", text=f"{CHILD_Y} And more."
    )
    services.comment_add(user=author, claim=y, body=f"{COMMENT} about Y.")
    services.vote_cast(user=author, claim=y, stance="agree")
    services.claim_set_locked(user=moderator, claim=y, locked=True)
    services.item_hide(user=moderator, item=under, reason="Not here either")


def _public_acts(s) -> tuple[int, int]:
    participant = s["users"]["participant"]
    thesis = Claim.objects.get(pk=s["thesis"].pk)
    added = services.claim_contribute(
        user=participant, parent=thesis, stance="pro", text="zqopenclaim Fine."
    )
    comment = services.comment_add(user=participant, claim=thesis, body="zqopen note")
    return added.pk, comment.pk


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_live_events_tell_no_role_of_a_hidden_branch(scene, settings):
    settings.CHANNEL_LAYERS = live.LAYER
    sockets = {}
    for role in ROLES:
        user = scene["users"][role]
        client = None if user is None else await live.run(live.signed_in, user)
        communicator, connected, _ = await live.socket_for(scene["debate"], client)
        assert connected, role
        sockets[role] = communicator
    for communicator in sockets.values():
        await live.received(communicator)  # the others' arrivals (presence)

    await live.run(_hidden_branch_acts, scene)
    added, comment = await live.run(_public_acts, scene)

    hidden_ids = {scene["x"].pk, scene["y"].pk, scene["kept"].pk, scene["link"].pk}
    got = {role: await live.received(c) for role, c in sockets.items()}
    for communicator in sockets.values():
        await communicator.disconnect()
    for role, frames in got.items():
        # Exactly the two public acts reach every page, whoever reads it.
        assert [(f["event"], f.get("claim_id")) for f in frames] == [
            ("claim.added", added),
            ("comment.added", scene["thesis"].pk),
        ], role
        assert frames[1]["comment_id"] == comment
        assert "zqopen note" in frames[1]["body_html"]
        text = repr(frames)
        assert [m for m in (*MARKERS, "Not here either") if m in text] == [], role
        assert not hidden_ids & {f.get("claim_id") for f in frames}, role


# --- Counts: a card, the outline and the source list count what is shown ----


@pytest.fixture
def counted():
    """T → A → (B pro, C con: a link to H, which is hidden); T → D → E with
    two children, one hidden; a source cited by H only."""
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    source = make_source(debate, text="Streets with cameras saw fewer thefts.")
    t = make_claim(debate, text="Cameras help.")
    a = make_claim(debate, t, "pro", text="They deter.")
    make_claim(debate, a, "pro", text="Thieves avoid them.")
    d = make_claim(debate, t, "con", text="They cost.")
    e = make_claim(debate, d, "pro", text="Budgets are small.")
    make_claim(debate, e, "pro", text="Schools need it.")
    gone = make_claim(debate, e, "con", text="zqcountedhidden one.")
    h = make_claim(debate, d, "con", text="zqcountedhidden target.")
    make_claim(debate, a, "con", text="", link_to=h)
    services.citation_add(user=moderator, claim=h, source=source, quote="fewer thefts")
    for claim in (h, gone):
        services.item_hide(user=moderator, item=claim, reason="Not here")
    return debate, moderator, t, a, e


@pytest.mark.parametrize(
    ("role", "a_counts", "e_more", "cited"),
    [
        ("anonymous", "1 pro · 0 cons", "(+1)", "Cited 0 times"),
        ("participant", "1 pro · 0 cons", "(+1)", "Cited 0 times"),
        ("moderator", "1 pro · 1 con", "(+1)", "Cited 1 time"),
    ],
)
def test_counts_leave_out_what_the_reader_may_not_open(
    counted, role, a_counts, e_more, cited
):
    debate, moderator, t, a, e = counted
    user = {"anonymous": None, "moderator": moderator}.get(role)
    if role == "participant":
        user = MembershipFactory(debate=debate).user
    client = client_for(user)

    page = client.get(f"/d/{debate.slug}/claims/{t.pk}/").content.decode()
    sources = client.get(f"/d/{debate.slug}/sources/").content.decode()

    card = page[page.index(f'id="claim-{a.pk}"') :]
    card = card[: card.index("</li>")]
    assert f"Its own </span>{a_counts}</span>" in card
    # The outline's "(+N)" of E, at its depth limit: one visible child (the
    # outline lists visible claims only, for moderators too).
    outline_e = page[page.index(f"/claims/{e.pk}/") :]
    assert outline_e[: outline_e.index("</li>")].count(e_more) == 1
    assert cited in sources


@pytest.mark.parametrize("role", ["anonymous", "participant", "moderator"])
def test_debate_cards_count_only_the_claims_anyone_may_read(scene, role):
    """The debate lists (home page, API) count the claims anyone in the debate
    may read: not Y (visible, under hidden X), not the link to hidden K. Three
    claims are visible by status; one is readable."""
    debate = scene["debate"]
    client = client_for(scene["users"][role])
    assert Claim.objects.filter(debate=debate, status="visible").count() == 3

    home = client.get("/").content.decode()
    listed = client.get("/api/v1/debates/").json()["results"]

    card = home[home.index(f"/d/{debate.slug}/") :]
    assert re.search(r"</span> 1 claim(</p>| ·)", card[: card.index("</li>")])
    assert [d["claim_count"] for d in listed if d["slug"] == debate.slug] == [1]
