"""The claim tree's path arithmetic (claims/tree.py) and its writes
(claims/services.py: hide, show, lock, pin, move, merge, delete)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import OuterRef, Subquery

from claims import services, tree
from claims.models import Annotation, Citation, Claim
from tests.factories import DebateFactory, make_claim, make_source

# --- Path arithmetic, on paths alone -------------------------------------------

PATHS = {
    1: "0001",
    2: "00010003",
    5: "00010003000A00020001",
}


def test_step_is_the_models():
    assert tree.STEP == Claim.steplen == 4


@pytest.mark.parametrize(
    ("depth", "ancestors"),
    [
        (1, []),
        (2, ["0001"]),
        (5, ["0001", "00010003", "00010003000A", "00010003000A0002"]),
    ],
)
def test_ancestor_paths(depth, ancestors):
    path = PATHS[depth]
    assert tree.depth_of(path) == depth
    assert tree.ancestor_paths(path) == ancestors
    assert tree.ancestor_paths(path, include_self=True) == [*ancestors, path]


@pytest.mark.parametrize(
    ("depth", "parent"), [(1, ""), (2, "0001"), (5, "00010003000A0002")]
)
def test_parent_path(depth, parent):
    assert tree.parent_path(PATHS[depth]) == parent


def test_is_in_branch():
    path = PATHS[5]
    assert [tree.is_in_branch(path, top) for top in tree.ancestor_paths(path)] == [
        True
    ] * 4
    assert tree.is_in_branch(path, path)
    assert not tree.is_in_branch(PATHS[2], path)
    assert not tree.is_in_branch(PATHS[2], "00010004")


def test_path_at_and_steps():
    path = PATHS[5]
    assert [tree.path_at(path, d) for d in (1, 2, 5)] == [
        "0001",
        "00010003",
        path,
    ]
    assert tree.steps(path) == ["0001", "0003", "000A", "0002", "0001"]
    assert tree.steps(PATHS[1]) == ["0001"]


# --- Path arithmetic, against treebeard's own tree -------------------------------


@pytest.fixture
def chain(db):
    """A thesis and a line of four claims under it (depths 1 to 5), with a
    sibling at depth 2 and one under the depth-2 claim."""
    debate = DebateFactory()
    claims = [make_claim(debate, text="Thesis.")]
    for depth in range(2, 6):
        claims.append(make_claim(debate, parent=claims[-1], text=f"Depth {depth}."))
    sibling = make_claim(debate, parent=claims[0], stance="con", text="Sibling.")
    nephew = make_claim(debate, parent=claims[1], stance="con", text="Nephew.")
    return debate, claims, sibling, nephew


def _ids(queryset):
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_ancestors_match_treebeard(chain, depth):
    _, claims, _, _ = chain
    claim = claims[depth - 1]
    assert claim.depth == depth
    assert tree.ancestor_paths(claim.path) == [
        c.path for c in Claim.objects.get_ancestors(claim)
    ]
    assert tree.parent_path(claim.path) == (
        Claim.objects.get_parent(claim).path if depth > 1 else ""
    )
    assert claim.parent_path == tree.parent_path(claim.path)


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_branch_and_children_match_treebeard(chain, depth):
    _, claims, _, _ = chain
    claim = claims[depth - 1]
    branch = Claim.objects.filter(tree.in_branch(claim.path))
    assert _ids(branch) == sorted(
        [claim.pk, *(c.pk for c in Claim.objects.get_descendants(claim))]
    )
    children = Claim.objects.filter(tree.children_of(claim.path, claim.depth))
    assert _ids(children) == sorted(c.pk for c in Claim.objects.get_children(claim))


def test_branch_sizes(chain):
    _, claims, sibling, nephew = chain
    assert Claim.objects.filter(tree.in_branch(claims[0].path)).count() == 7
    assert _ids(Claim.objects.filter(tree.in_branch(claims[1].path))) == sorted(
        [c.pk for c in claims[1:]] + [nephew.pk]
    )
    assert _ids(Claim.objects.filter(tree.in_branch(claims[4].path))) == [claims[4].pk]
    assert _ids(Claim.objects.filter(tree.children_of(claims[0].path, 1))) == sorted(
        [claims[1].pk, sibling.pk]
    )


def test_expressions_compute_the_same_paths_in_the_database(chain):
    _, claims, _, _ = chain
    parent = Claim.objects.filter(
        path=tree.parent_path_expression(OuterRef("path"))
    ).values("pk")[:1]
    thesis = Claim.objects.filter(
        path=tree.thesis_path_expression(OuterRef("path"))
    ).values("pk")[:1]
    rows = dict(
        Claim.objects.filter(pk__in=[c.pk for c in claims])
        .annotate(parent_id=Subquery(parent), thesis_id=Subquery(thesis))
        .values_list("pk", "parent_id")
    )
    assert rows == {
        claims[0].pk: None,
        **{c.pk: p.pk for p, c in zip(claims, claims[1:], strict=False)},
    }
    theses = set(
        Claim.objects.filter(pk__in=[c.pk for c in claims])
        .annotate(thesis_id=Subquery(thesis))
        .values_list("thesis_id", flat=True)
    )
    assert theses == {claims[0].pk}


def test_parent_path_sql(chain):
    _, claims, _, _ = chain
    deepest = claims[4]
    sql = (
        f"SELECT {tree.parent_path_sql('path')} "
        f"FROM {Claim._meta.db_table} WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [deepest.pk])
        assert cursor.fetchone()[0] == claims[3].path


def test_claim_number_reads_the_steps(chain):
    _, claims, sibling, nephew = chain
    assert [c.number(3) for c in claims] == [
        "3",
        "3.1",
        "3.1.1",
        "3.1.1.1",
        "3.1.1.1.1",
    ]
    assert (sibling.number(1), nephew.number(1)) == ("1.2", "1.1.2")


# --- Writes through claims.services ---------------------------------------------


def _tree_problems():
    """treebeard's own check: (bad characters, bad step length, orphans,
    wrong depth, wrong numchild), each a list of ids."""
    return tuple(list(p) for p in Claim.objects.find_problems())


NO_PROBLEMS = ([], [], [], [], [])


def test_hide_and_show(chain):
    _, claims, _, _ = chain
    claim = claims[2]
    services.claim_hide(claim=claim, reason="off topic")
    claim.refresh_from_db()
    assert (claim.status, claim.hidden_reason) == ("hidden", "off topic")
    services.claim_show(claim=claim)
    claim.refresh_from_db()
    assert (claim.status, claim.hidden_reason) == ("visible", "")


def test_show_publishes_a_pending_claim(db):
    debate = DebateFactory()
    thesis = make_claim(debate)
    pending = make_claim(debate, parent=thesis, status=Claim.Status.PENDING)
    services.claim_show(claim=pending)
    pending.refresh_from_db()
    assert pending.status == "visible"


def test_lock_and_pin(chain):
    _, claims, _, _ = chain
    claim = claims[1]
    services.claim_set_locked(claim=claim, locked=True)
    services.claim_set_pinned(claim=claim, pinned=True)
    claim.refresh_from_db()
    assert (claim.locked, claim.pinned) == (True, True)
    services.claim_set_locked(claim=claim, locked=False)
    claim.refresh_from_db()
    assert (claim.locked, claim.pinned) == (False, True)


def test_claims_lock_returns_the_rows_in_the_order_given(chain):
    _, claims, sibling, _ = chain
    first, second = services.claims_lock(sibling, claims[1])
    assert (first.pk, second.pk) == (sibling.pk, claims[1].pk)
    assert first.path == sibling.path


def test_move_takes_the_branch_along(chain):
    _, claims, sibling, nephew = chain
    moved = services.claim_move(claim=claims[2], new_parent=sibling)
    assert moved.parent_path == sibling.path
    assert moved.depth == 3
    below = Claim.objects.filter(tree.in_branch(moved.path)).order_by("depth")
    assert [c.pk for c in below] == [claims[2].pk, claims[3].pk, claims[4].pk]
    assert [c.depth for c in below] == [3, 4, 5]
    assert moved.stance == claims[2].stance
    assert _ids(Claim.objects.filter(tree.children_of(claims[1].path, 2))) == [
        nephew.pk
    ]
    assert _tree_problems() == NO_PROBLEMS


@pytest.mark.parametrize(
    ("mover", "target", "message"),
    [
        (0, 5, "A thesis cannot be moved."),
        (1, 3, "A claim cannot move under itself or its own branch."),
        (1, 1, "Choose another claim."),
        (2, 1, "The claim is already there."),
    ],
)
def test_move_refusals_change_nothing(chain, mover, target, message):
    _, claims, sibling, _ = chain
    claims = [*claims, sibling]
    paths = dict(Claim.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError) as exc:
        services.claim_move(claim=claims[mover], new_parent=claims[target])
    assert exc.value.message_dict == {"new_parent": [message]}
    assert dict(Claim.objects.values_list("pk", "path")) == paths


def test_move_refuses_another_debate_and_a_link(chain):
    debate, claims, sibling, _ = chain
    other = make_claim(DebateFactory())
    link = make_claim(debate, parent=claims[0], text="", link_to=claims[4])
    paths = dict(Claim.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError) as exc:
        services.claim_move(claim=sibling, new_parent=other)
    assert exc.value.message_dict == {
        "new_parent": ["Choose a claim of the same debate."]
    }
    with pytest.raises(ValidationError) as exc:
        services.claim_move(claim=sibling, new_parent=link)
    assert exc.value.message_dict == {"new_parent": ["Choose a claim, not a link."]}
    assert dict(Claim.objects.values_list("pk", "path")) == paths


def test_merge_moves_the_content_and_leaves_a_link(chain):
    debate, claims, sibling, nephew = chain
    duplicate, kept = claims[1], sibling
    source = make_source(debate, text="A passage worth citing here.")
    services.citation_create(claim=duplicate, source=source, quote="passage")
    evidence = services.annotation_create(
        debate=debate,
        source=source,
        quote="worth",
        evidence_claim=duplicate,
        relation="supports",
    )
    link = make_claim(debate, parent=claims[0], text="", link_to=duplicate)
    note = services.annotation_create(debate=debate, claim=duplicate, quote="Depth")

    merged, moved = services.claims_merge(duplicate=duplicate, kept=kept)

    assert moved == {
        "children": [claims[2].pk, nephew.pk],
        "citations": 1,
        "evidence": 1,
        "links": 1,
    }
    assert (merged.pk, merged.link_to_id, merged.numchild) == (
        duplicate.pk,
        kept.pk,
        0,
    )
    assert merged.text == "Depth 2."  # kept for the record
    assert _ids(Claim.objects.filter(tree.children_of(kept.path, kept.depth))) == (
        sorted([claims[2].pk, nephew.pk])
    )
    assert Claim.objects.filter(tree.in_branch(kept.path)).count() == 5
    assert list(Citation.objects.values_list("claim", flat=True)) == [kept.pk]
    evidence.refresh_from_db()
    link.refresh_from_db()
    note.refresh_from_db()
    assert (evidence.evidence_claim_id, link.link_to_id) == (kept.pk, kept.pk)
    assert note.claim_id == duplicate.pk  # anchored in the duplicate's text
    assert _tree_problems() == NO_PROBLEMS


@pytest.mark.parametrize(
    ("duplicate", "kept", "field", "message"),
    [
        (0, 5, "duplicate", "A thesis cannot be merged away."),
        (1, 3, "kept", "The kept claim is inside the duplicate."),
        (2, 2, "kept", "Choose another claim."),
    ],
)
def test_merge_refusals_change_nothing(chain, duplicate, kept, field, message):
    _, claims, sibling, _ = chain
    claims = [*claims, sibling]
    rows = set(Claim.objects.values_list("pk", "path", "link_to", "numchild"))
    with pytest.raises(ValidationError) as exc:
        services.claims_merge(duplicate=claims[duplicate], kept=claims[kept])
    assert exc.value.message_dict == {field: [message]}
    assert set(Claim.objects.values_list("pk", "path", "link_to", "numchild")) == rows


def test_merge_keeps_only_a_visible_claim(chain):
    _, claims, sibling, _ = chain
    services.claim_hide(claim=sibling, reason="spam")
    with pytest.raises(ValidationError) as exc:
        services.claims_merge(duplicate=claims[2], kept=sibling)
    assert exc.value.message_dict == {"kept": ["Keep a visible claim."]}
    claims[2].refresh_from_db()
    assert claims[2].link_to_id is None


def test_delete_takes_the_branches_and_the_notes_on_them(chain):
    debate, claims, sibling, nephew = chain
    note = services.annotation_create(debate=debate, claim=claims[3], quote="Depth")
    kept_note = services.annotation_create(
        debate=debate, claim=sibling, quote="Sibling"
    )

    services.claims_delete(Claim.objects.filter(pk__in=[claims[2].pk, nephew.pk]))

    assert _ids(Claim.objects.all()) == sorted([claims[0].pk, claims[1].pk, sibling.pk])
    assert list(Annotation.objects.values_list("pk", flat=True)) == [kept_note.pk]
    assert not Annotation.objects.filter(pk=note.pk).exists()
    assert _tree_problems() == NO_PROBLEMS


def test_delete_of_nothing_deletes_nothing(chain):
    before = Claim.objects.count()
    services.claims_delete(Claim.objects.none())
    assert Claim.objects.count() == before
