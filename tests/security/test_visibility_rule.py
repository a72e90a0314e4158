"""The one visibility rule (``claims_shown_to``) against its obvious recursive
definition, on random trees: a claim is shown when its reader may read it
(visible, or theirs) and its parent is shown; a link also needs its target
shown; moderators see everything. The two other readers of a claim's
ancestors (``claim_for_voting``, ``rules.branch_is_locked``) are held to the
same trees."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Claim
from claims.services import claim_create
from deliberation.models import Debate
from deliberation.rules import branch_is_locked
from deliberation.selectors import claim_for_voting, claims_shown_to
from deliberation.selectors.debates import public_claims
from tests.factories import DebateFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Claim.Status]


@st.composite
def trees(draw):
    """Nodes ``(parent index or None, status, written by the reader, link
    target index or None, locked)``, parents before children; links are
    leaves that point at an earlier claim that is not a link."""
    size = draw(st.integers(min_value=1, max_value=18))
    nodes = []
    for _ in range(size):
        parents = [j for j, n in enumerate(nodes) if n[3] is None]
        parent = draw(st.none() | st.sampled_from(parents)) if parents else None
        link = None
        if parent is not None and draw(st.integers(0, 4)) == 0:
            link = draw(st.sampled_from(parents))
        status = draw(st.sampled_from(STATUSES))
        own, locked = draw(st.booleans()), draw(st.integers(0, 5)) == 0
        nodes.append((parent, status, own, link, locked))
    return nodes


def expected_shown(nodes, role) -> set[int]:
    def readable(i):
        _, status, own, _, _ = nodes[i]
        return role == "moderator" or status == "visible" or (own and role == "author")

    shown: set[int] = set()
    for i, (parent, _, _, link, _) in enumerate(nodes):  # parents come first
        if not readable(i) or (parent is not None and parent not in shown):
            continue
        if link is not None and link not in shown and role != "moderator":
            continue
        shown.add(i)
    return shown


def ancestors(nodes, i) -> list[int]:
    found, parent = [], nodes[i][0]
    while parent is not None:
        found.append(parent)
        parent = nodes[parent][0]
    return found


def build(debate, nodes, author) -> list[Claim]:
    other = UserFactory()
    claims: list[Claim] = []
    for i, (parent, status, own, link, _) in enumerate(nodes):
        claims.append(
            claim_create(
                debate=debate,
                parent=None if parent is None else claims[parent],
                stance="" if parent is None else ("pro", "con")[i % 2],
                text="" if link is not None else f"Claim {i}",
                author=author if own else other,
                status=status,
                link_to=None if link is None else claims[link],
            )
        )
    locked = [claims[i].pk for i, node in enumerate(nodes) if node[4]]
    Claim.objects.filter(pk__in=locked).update(locked=True)
    return claims


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(nodes=trees())
def test_claims_shown_to_agrees_with_the_recursive_definition(nodes):
    with transaction.atomic():
        debate = DebateFactory()
        author = MembershipFactory(debate=debate).user
        moderator = MembershipFactory(debate=debate, role="moderator").user
        claims = build(debate, nodes, author)
        readers = {
            "anonymous": AnonymousUser(),
            "stranger": UserFactory(),
            "author": author,
            "moderator": moderator,
        }
        for role, reader in readers.items():
            rows = list(claims_shown_to(reader, debate))
            want = {claims[i].pk for i in expected_shown(nodes, role)}
            assert {c.pk for c in rows} == want, role
            by_pk = {c.pk: c for c in claims}
            for row in rows:
                parent = nodes[claims.index(by_pk[row.pk])][0]
                assert row.parent_id == (None if parent is None else claims[parent].pk)
                thesis_path = row.path[: Claim.steplen]
                rank = sum(c.depth == 1 and c.path <= thesis_path for c in claims)
                assert row.thesis_rank == rank
        public = set(
            public_claims(Debate.objects.filter(pk=debate.pk)).values_list(
                "pk", flat=True
            )
        )
        assert public == {claims[i].pk for i in expected_shown(nodes, "anonymous")}
        for i, claim in enumerate(claims):
            above = ancestors(nodes, i)
            hidden_above = any(nodes[a][1] != "visible" for a in above)
            locked = any(nodes[a][4] for a in [i, *above])
            for_voting = claim_for_voting(user=moderator, pk=claim.pk)
            assert (for_voting.hidden_above, for_voting.branch_locked) == (
                hidden_above,
                locked,
            )
            assert branch_is_locked(Claim.objects.get(pk=claim.pk)) == locked
        transaction.set_rollback(True)
