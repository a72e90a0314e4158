"""Role × endpoint matrix for the write endpoints (claims, votes, comments,
annotations) and the moderation endpoints, on public and private debates,
on visible and hidden claims. A denied act changes nothing in the database."""

import pytest

from claims.models import Annotation, Claim
from deliberation import services
from deliberation.models import (
    Comment,
    Debate,
    Flag,
    Membership,
    ModerationAction,
    Vote,
)
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "outsider",
    "observer",
    "participant",
    "author",
    "moderator",
    "owner",
)


def _scene(*, private: bool, hidden: bool):
    visibility = Debate.Visibility.PRIVATE if private else Debate.Visibility.PUBLIC
    debate = DebateFactory(visibility=visibility)
    Membership.objects.create(debate=debate, user=debate.owner, role="owner")
    author = MembershipFactory(debate=debate).user
    moderator = MembershipFactory(debate=debate, role="moderator").user
    thesis = make_claim(debate, text="Cameras keep us safe.")
    target = make_claim(debate, thesis, text="Crime fell by half.", author=author)
    if hidden:
        services.item_hide(user=moderator, item=target, reason="Unsupported")
    return debate, author, moderator, target


def _actor(debate, author, moderator, role):
    if role == "anonymous":
        return None
    if role == "outsider":
        return UserFactory()
    if role == "author":
        return author
    if role == "moderator":
        return moderator
    if role == "owner":
        return debate.owner
    return MembershipFactory(debate=debate, role=role).user


def _state():
    """Everything the endpoints below could write."""
    return (
        Claim.objects.count(),
        list(Claim.objects.order_by("pk").values_list("text", "status", "locked")),
        Vote.objects.count(),
        Comment.objects.count(),
        Annotation.objects.count(),
        Flag.objects.count(),
        ModerationAction.objects.count(),
        list(Membership.objects.order_by("pk").values_list("status", flat=True)),
    )


def _requests(debate, target):
    slug, pk = debate.slug, target.pk
    member = Membership.objects.get(debate=debate, user_id=target.author_id).pk
    return {
        "claim_create": (
            "post",
            "/api/v1/claims/",
            {"parent": pk, "stance": "pro", "text": "New."},
        ),
        "claim_edit": ("patch", f"/api/v1/claims/{pk}/", {"text": "Edited."}),
        "vote": ("post", f"/api/v1/claims/{pk}/vote/", {"stance": "agree"}),
        "comment": ("post", f"/api/v1/claims/{pk}/comments/", {"body": "Hm."}),
        "flag": ("post", "/api/v1/flags/", {"claim": pk, "reason": "unclear"}),
        "hide": (
            "post",
            f"/api/v1/claims/{pk}/moderate/",
            {"action": "hide", "reason": "Second look"},
        ),
        "lock": ("post", f"/api/v1/claims/{pk}/moderate/", {"action": "lock"}),
        "queue": ("get", f"/api/v1/debates/{slug}/flags/", None),
        "log": ("get", f"/api/v1/debates/{slug}/moderation-log/", None),
        "members": ("get", f"/api/v1/debates/{slug}/members/", None),
        "role": ("post", f"/api/v1/memberships/{member}/role/", {"role": "observer"}),
        "consent": (
            "patch",
            f"/api/v1/debates/{slug}/membership/",
            {"share_votes": True},
        ),
    }


# Expected status per role, in ROLES order.
WRITE = (401, 201, 403, 201, 201, 201, 201)
MATRIX = {
    # public debate, visible claim
    (False, False): {
        "claim_create": WRITE,
        "claim_edit": (401, 403, 403, 403, 200, 200, 200),
        "vote": (401, 200, 403, 200, 200, 200, 200),
        "comment": WRITE,
        "flag": (401, 201, 201, 201, 403, 201, 201),
        "hide": (401, 403, 403, 403, 403, 200, 200),
        "lock": (401, 403, 403, 403, 403, 200, 200),
        "queue": (403, 403, 403, 403, 403, 200, 200),
        "log": (401, 200, 200, 200, 200, 200, 200),
        "members": (401, 403, 403, 403, 403, 200, 200),
        "role": (401, 403, 403, 403, 403, 403, 200),
        "consent": (401, 400, 200, 200, 200, 200, 200),
    },
    # private debate, visible claim: outsiders see nothing
    (True, False): {
        "claim_create": (401, 400, 403, 201, 201, 201, 201),
        "claim_edit": (401, 404, 403, 403, 200, 200, 200),
        "vote": (401, 404, 403, 200, 200, 200, 200),
        "comment": (401, 404, 403, 201, 201, 201, 201),
        "flag": (401, 400, 201, 201, 403, 201, 201),
        "hide": (401, 404, 403, 403, 403, 200, 200),
        "lock": (401, 404, 403, 403, 403, 200, 200),
        "queue": (404, 404, 403, 403, 403, 200, 200),
        "log": (401, 404, 200, 200, 200, 200, 200),
        "members": (401, 404, 403, 403, 403, 200, 200),
        "role": (401, 404, 403, 403, 403, 403, 200),
        "consent": (401, 404, 200, 200, 200, 200, 200),
    },
    # public debate, hidden claim: only its author and moderators find it
    (False, True): {
        "claim_create": (401, 400, 400, 400, 400, 400, 400),
        "claim_edit": (401, 404, 404, 404, 200, 200, 200),
        "vote": (401, 404, 404, 404, 403, 403, 403),
        "comment": (401, 404, 404, 404, 201, 201, 201),
        "flag": (401, 400, 400, 400, 403, 201, 201),
        "hide": (401, 404, 404, 404, 403, 200, 200),
        "lock": (401, 404, 404, 404, 403, 200, 200),
        "queue": (403, 403, 403, 403, 403, 200, 200),
        "log": (401, 200, 200, 200, 200, 200, 200),
        "members": (401, 403, 403, 403, 403, 200, 200),
        "role": (401, 403, 403, 403, 403, 403, 200),
        "consent": (401, 400, 200, 200, 200, 200, 200),
    },
}
CASES = [
    (private, hidden, endpoint, role, codes[i])
    for (private, hidden), row in MATRIX.items()
    for endpoint, codes in row.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(
    ("private", "hidden", "endpoint", "role", "expected"),
    CASES,
    ids=[
        f"{'private' if p else 'public'}-{'hidden' if h else 'visible'}-{e}-{r}"
        for p, h, e, r, _ in CASES
    ],
)
def test_role_endpoint_matrix(private, hidden, endpoint, role, expected):
    debate, author, moderator, target = _scene(private=private, hidden=hidden)
    user = _actor(debate, author, moderator, role)
    method, url, body = _requests(debate, target)[endpoint]
    before = _state()

    client = client_for(user)
    response = (
        getattr(client, method)(url, body, format="json")
        if body
        else (getattr(client, method)(url))
    )

    assert response.status_code == expected, response.content
    if expected >= 400 or method == "get":
        # Joining as a participant aside, nothing changed.
        after = _state()
        assert after[:7] == before[:7]
    if expected >= 400:
        assert (
            not Membership.objects.exclude(role="participant")
            .filter(user=author)
            .exists()
        )
        assert not Membership.objects.filter(share_votes=True).exists()


PAGES = {
    "queue": ("get", "/d/{slug}/moderation/", (302, 403, 403, 403, 403, 200, 200)),
    "members": ("get", "/d/{slug}/members/", (302, 403, 403, 403, 403, 200, 200)),
    "moderate": (
        "post",
        "/d/{slug}/claims/{pk}/moderate/",
        (302, 403, 403, 403, 403, 302, 302),
    ),
    "flag": (
        "post",
        "/d/{slug}/claims/{pk}/flag/",
        (302, 302, 302, 302, 403, 302, 302),
    ),
    "log": ("get", "/d/{slug}/moderation-log/", (302, 200, 200, 200, 200, 200, 200)),
    "log_csv": (
        "get",
        "/d/{slug}/moderation-log.csv",
        (302, 403, 403, 403, 403, 200, 200),
    ),
    "member": (
        "get",
        "/d/{slug}/members/{member}/",
        (302, 403, 403, 403, 403, 200, 200),
    ),
    "reasons": (
        "post",
        "/d/{slug}/moderation/reasons/",
        (302, 403, 403, 403, 403, 302, 302),
    ),
    "bulk": (
        "post",
        "/d/{slug}/moderation/bulk/",
        (302, 403, 403, 403, 403, 302, 302),
    ),
    "role": (
        "post",
        "/d/{slug}/members/{member}/role/",
        (302, 403, 403, 403, 403, 403, 302),
    ),
    "me": ("get", "/d/{slug}/me/", (302, 200, 200, 200, 200, 200, 200)),
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_moderation_pages_by_role(client, page, role):
    debate, author, moderator, target = _scene(private=False, hidden=False)
    user = _actor(debate, author, moderator, role)
    method, url, codes = PAGES[page]
    member = Membership.objects.get(debate=debate, user=author).pk
    url = url.format(slug=debate.slug, pk=target.pk, member=member)
    data = {
        "action": "lock",
        "reason": "spam",
        "note": "",
        "role": "observer",
        "reasons": "Be kind",
        "item": [f"claim:{target.pk}"],
    }
    if user is not None:
        client.force_login(user)
    before = _state()

    response = client.get(url) if method == "get" else client.post(url, data)

    expected = codes[ROLES.index(role)]
    assert response.status_code == expected
    if expected != 302 or role == "anonymous":
        assert _state()[:7] == before[:7]
        assert Membership.objects.get(pk=member).role == "participant"
        assert Debate.objects.get(pk=debate.pk).moderation_reasons == []


@pytest.mark.parametrize("field", ["status", "author", "pinned", "locked", "debate"])
def test_mass_assignment_on_claim_create_and_edit_changes_nothing(field):
    debate, author, moderator, target = _scene(private=False, hidden=False)
    other = DebateFactory()
    values = {
        "status": "hidden",
        "author": moderator.pk,
        "pinned": True,
        "locked": True,
        "debate": other.slug,
    }
    client = client_for(author)
    extra = {field: values[field], "agree": 99, "tally": {"agree": 99}}

    created = client.post(
        "/api/v1/claims/",
        {"parent": target.pk, "stance": "con", "text": "Mine.", **extra},
        format="json",
    )
    edited = client.patch(
        f"/api/v1/claims/{target.pk}/", {"text": "Mine too.", **extra}, format="json"
    )

    assert (created.status_code, edited.status_code) == (201, 200)
    for pk in (created.json()["id"], target.pk):
        claim = Claim.objects.get(pk=pk)
        assert (
            claim.status,
            claim.author_id,
            claim.pinned,
            claim.locked,
            claim.debate_id,
        ) == ("visible", author.pk, False, False, debate.pk)
    assert Vote.objects.count() == 0
    assert created.json()["tally"]["agree"] == 0


# The new pages and exports name people: in an anonymous debate, no one but
# its moderators (and the person) sees a pseudonym or an account name there.
NAMING_PAGES = (
    "/d/{slug}/moderation/",
    "/d/{slug}/members/",
    "/d/{slug}/members/{member}/",
    "/d/{slug}/moderation-log/",
    "/d/{slug}/moderation-log.csv",
    "/d/{slug}/moderation/reasons/",
    "/d/{slug}/flags/mine/",
    "/d/{slug}/me/",
    "/api/v1/debates/{slug}/members/",
    "/api/v1/debates/{slug}/moderation-log/",
    "/api/v1/debates/{slug}/flags/",
)


@pytest.mark.parametrize("role", ROLES)
def test_no_pseudonym_on_the_new_pages_for_those_who_may_not_see_it(client, role):
    debate, author, moderator, target = _scene(private=False, hidden=False)
    Debate.objects.filter(pk=debate.pk).update(anonymity=True)
    Membership.objects.filter(debate=debate, user=author).update(
        pseudonym="Zelda Quill", animal_name="Amber Otter"
    )
    author.username = "zq_account"
    author.save()
    flagger = MembershipFactory(debate=debate).user
    services.flag_create(user=flagger, item=target, reason="unclear")
    services.flag_reply(user=author, flag=Flag.objects.get(), body="See page 3.")
    services.member_warn(
        user=moderator,
        membership=Membership.objects.get(debate=debate, user=author),
        reason="Keep to the argument, please.",
    )
    user = _actor(debate, author, moderator, role)
    member = Membership.objects.get(debate=debate, user=author).pk
    may_see = role in ("author", "moderator", "owner")
    api = client_for(user)
    if user is not None:
        client.force_login(user)
    for page in NAMING_PAGES:
        url = page.format(slug=debate.slug, member=member)
        response = (api if url.startswith("/api/") else client).get(url)
        text = response.content.decode()
        if not may_see:
            assert "Zelda Quill" not in text, url
            assert "zq_account" not in text, url
        elif role != "author" and response.status_code == 200 and "members" in url:
            assert "Zelda Quill" in text, url
