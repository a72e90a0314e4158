"""Every write is rate-limited by default (issue 15, item 2): role x endpoint,
each authenticated write of the API answers 429 in the JSON error shape once
its scope's rate is used up, and changes nothing; page writes too. The rates
are the settings' RATE_LIMIT_* (config/throttling.py)."""

import pytest
from django.urls import URLPattern

from claims.models import Annotation, Citation, Claim, Source
from deliberation.api import urls as api_urls
from deliberation.models import Comment, Debate, Flag, Membership, Vote
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "participant", "moderator", "owner")

# (url name, method) -> (path, scope); {slug} and {pk} are the scene's debate
# and thesis, other ids need not exist: the limit is checked before the view.
ENDPOINTS = {
    ("api-join", "POST"): ("/api/v1/join/", "join"),
    ("api-debate-list", "POST"): ("/api/v1/debates/", "debates"),
    ("api-debate-import", "POST"): ("/api/v1/debates/import/", "debates"),
    ("api-debate-annotations-import", "POST"): (
        "/api/v1/debates/{slug}/annotations/import/",
        "annotations",
    ),
    ("api-debate-detail", "PATCH"): ("/api/v1/debates/{slug}/", "edits"),
    ("api-debate-theses", "POST"): ("/api/v1/debates/{slug}/theses/", "claims"),
    ("api-debate-sources", "POST"): ("/api/v1/debates/{slug}/sources/", "sources"),
    ("api-claim-create", "POST"): ("/api/v1/claims/", "claims"),
    ("api-claim-detail", "PATCH"): ("/api/v1/claims/{pk}/", "edits"),
    ("api-claim-citations", "POST"): ("/api/v1/claims/{pk}/citations/", "citations"),
    ("api-claim-vote", "POST"): ("/api/v1/claims/{pk}/vote/", "votes"),
    ("api-claim-vote", "DELETE"): ("/api/v1/claims/{pk}/vote/", "votes"),
    ("api-claim-impact", "POST"): ("/api/v1/claims/{pk}/impact/", "votes"),
    ("api-claim-impact", "DELETE"): ("/api/v1/claims/{pk}/impact/", "votes"),
    ("api-citation-detail", "DELETE"): ("/api/v1/citations/999999/", "edits"),
    ("api-source-detail", "PATCH"): ("/api/v1/sources/999999/", "edits"),
    ("api-debate-annotations", "POST"): (
        "/api/v1/debates/{slug}/annotations/",
        "annotations",
    ),
    ("api-annotation-detail", "PUT"): ("/api/v1/annotations/999999/", "edits"),
    ("api-annotation-detail", "DELETE"): ("/api/v1/annotations/999999/", "edits"),
    ("api-annotation-comments", "POST"): (
        "/api/v1/annotations/999999/comments/",
        "comments",
    ),
    ("api-claim-comments", "POST"): ("/api/v1/claims/{pk}/comments/", "comments"),
    ("api-comment-detail", "PATCH"): ("/api/v1/comments/999999/", "edits"),
    ("api-comment-detail", "DELETE"): ("/api/v1/comments/999999/", "edits"),
    ("api-flag-create", "POST"): ("/api/v1/flags/", "flags"),
    ("api-flag-reply", "POST"): ("/api/v1/flags/999999/reply/", "flags"),
    ("api-claim-moderate", "POST"): ("/api/v1/claims/{pk}/moderate/", "writes"),
    ("api-annotation-moderate", "POST"): (
        "/api/v1/annotations/999999/moderate/",
        "writes",
    ),
    ("api-comment-moderate", "POST"): ("/api/v1/comments/999999/moderate/", "writes"),
    ("api-membership-moderate", "POST"): (
        "/api/v1/memberships/999999/moderate/",
        "writes",
    ),
    ("api-notifications-read", "POST"): ("/api/v1/notifications/read/", "writes"),
    ("api-debate-my-membership", "PATCH"): (
        "/api/v1/debates/{slug}/membership/",
        "writes",
    ),
    ("api-membership-role", "POST"): ("/api/v1/memberships/999999/role/", "writes"),
    ("api-claim-revision-redact", "POST"): (
        "/api/v1/claims/{pk}/revisions/1/redact/",
        "writes",
    ),
}
WRITE_METHODS = ("post", "put", "patch", "delete")


def _api_writes() -> set[tuple[str, str]]:
    found = set()
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = pattern.callback.view_class
        for method in WRITE_METHODS:
            if hasattr(view, method):
                found.add((pattern.name, method.upper()))
    return found


def test_the_table_names_every_write_of_the_api():
    assert set(ENDPOINTS) == _api_writes()


@pytest.fixture
def one_a_minute(settings):
    for scope in settings.RATE_LIMIT_SCOPES:
        setattr(settings, f"RATE_LIMIT_{scope.upper()}", "1/m")


def _state():
    return (
        Debate.objects.count(),
        list(Claim.objects.order_by("pk").values_list("text", "status")),
        Source.objects.count(),
        Citation.objects.count(),
        Vote.objects.count(),
        Comment.objects.count(),
        Annotation.objects.count(),
        Flag.objects.count(),
        Membership.objects.count(),
    )


def _actor(debate, role):
    if role == "anonymous":
        return None
    if role == "stranger":
        return UserFactory()
    if role == "owner":
        return debate.owner
    return MembershipFactory(debate=debate, role=role).user


CASES = [(name, method, role) for (name, method) in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize(
    ("name", "method", "role"), CASES, ids=[f"{n}-{m}-{r}" for n, m, r in CASES]
)
def test_each_write_answers_429_in_json_past_its_rate(one_a_minute, name, method, role):
    debate = DebateFactory()
    Membership.objects.create(debate=debate, user=debate.owner, role="owner")
    thesis = make_claim(debate, text="Cameras keep us safe.")
    path, scope = ENDPOINTS[(name, method)]
    url = path.format(slug=debate.slug, pk=thesis.pk)
    client = client_for(_actor(debate, role))
    send = getattr(client, method.lower())

    first = send(url, {}, format="json")
    before = _state()
    second = send(url, {"text": "Once more."}, format="json")

    if role == "anonymous":
        # Refused before any limit: nothing to count.
        assert (first.status_code, second.status_code) == (401, 401)
        return
    assert first.status_code != 429
    assert second.status_code == 429, second.content
    assert second["Content-Type"].startswith(
        ("application/json", "application/ld+json")
    )
    body = second.json()
    assert list(body) == ["detail"]
    assert body["detail"].startswith("Request was throttled.")
    assert 0 < int(second["Retry-After"]) <= 60
    assert _state() == before


def test_reads_are_never_limited(one_a_minute):
    debate = DebateFactory()
    client = client_for(UserFactory())
    codes = {
        client.get(f"/api/v1/debates/{debate.slug}/").status_code for _ in range(5)
    }
    assert codes == {200}


def test_pages_and_api_share_one_count(one_a_minute, client):
    debate = DebateFactory()
    thesis = make_claim(debate, text="Cameras keep us safe.")
    user = UserFactory()
    client.force_login(user)

    api = client_for(user).post(
        f"/api/v1/claims/{thesis.pk}/vote/", {"stance": "agree"}, format="json"
    )
    page = client.post(f"/d/{debate.slug}/claims/{thesis.pk}/vote/", {"stance": "pass"})

    assert (api.status_code, page.status_code) == (200, 429)
    assert list(Vote.objects.values_list("stance", flat=True)) == ["agree"]
    assert page["Retry-After"] == "60"


def test_a_page_write_without_a_scope_counts_as_writes(client, settings):
    settings.RATE_LIMIT_WRITES = "2/m"
    client.force_login(UserFactory())

    codes = [client.post("/notifications/read/").status_code for _ in range(3)]

    assert codes == [302, 302, 429]


def test_debates_made_on_pages_are_limited(client, settings):
    settings.RATE_LIMIT_DEBATES = "1/m"
    client.force_login(UserFactory())
    data = {
        "name": "10B Civics",
        "question": "Should cameras watch the park?",
        "mode": "classroom",
        "start": "blank",
    }

    codes = [client.post("/classes/new/", data).status_code for _ in range(2)]

    assert codes[1] == 429
    assert Debate.objects.count() == 1


def test_production_defaults_limit_every_scope():
    from django.conf import settings

    rates = {
        scope: getattr(settings, f"RATE_LIMIT_{scope.upper()}")
        for scope in settings.RATE_LIMIT_SCOPES
    }
    assert rates == {
        "claims": "20/m",
        "votes": "120/m",
        "comments": "20/m",
        "annotations": "30/m",
        "flags": "10/m",
        "debates": "20/h",
        "sources": "60/h",
        "citations": "60/m",
        "edits": "30/m",
        "writes": "60/m",
        "join": "20/m",
        "join_code": "600/m",
        "join_failures_ip": "60/h",
        "join_failures_account": "10/h",
    }
