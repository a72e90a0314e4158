"""The evidence picker: a claim by its map number (the number the map and the
outline show), by "#id", by words or from the list of the branch being read;
a wrong one keeps the selection and says why beside the field. And the source
page filtered to the passages for or against a claim; the claim page's
balance."""

import html
import re

import pytest

from claims.models import Annotation, Claim
from deliberation import services
from deliberation.selectors.annotations import claim_choices, claim_picked
from tests.factories import MembershipFactory, make_claim, make_source

TEXT = "Burglaries fell by a fifth on streets with cameras. Nearby streets fell too."


@pytest.fixture
def tree(debate):
    first = make_claim(debate, text="The city should add cameras.")
    pro = make_claim(debate, first, text="Cameras deter burglars.")
    con = make_claim(debate, first, stance="con", text="Cameras move crime elsewhere.")
    deeper = make_claim(debate, pro, text="Burglars avoid watched streets.")
    hidden = make_claim(debate, text="A thesis a moderator hid.")
    Claim.objects.filter(pk=hidden.pk).update(status="hidden")
    second = make_claim(debate, text="Cameras cost too much.")
    member = MembershipFactory(debate=debate).user
    return {
        "debate": debate,
        "member": member,
        "1": first,
        "1.1": pro,
        "1.2": con,
        "1.1.1": deeper,
        "3": second,
        "source": make_source(debate, key="audit", text=TEXT),
    }


@pytest.mark.parametrize("number", ["1", "1.1", "1.2", "1.1.1", "3"])
def test_a_claim_is_picked_by_its_map_number(tree, number):
    picked = claim_picked(tree["member"], tree["debate"], number, "evidence_claim")

    assert picked == tree[number]
    assert picked.number(picked.thesis_rank) == number


def test_a_choice_from_the_list_an_id_and_words_pick_too(tree):
    debate, member = tree["debate"], tree["member"]

    assert claim_picked(member, debate, "1.2 — Cameras move crime…", "f") == tree["1.2"]
    assert claim_picked(member, debate, f"#{tree['1.1'].pk}", "f") == tree["1.1"]
    assert claim_picked(member, debate, "watched streets", "f") == tree["1.1.1"]


@pytest.mark.parametrize(
    "value, message",
    [
        ("2", "No claim numbered 2 on this debate's map."),  # the hidden thesis
        ("1.9", "No claim numbered 1.9 on this debate's map."),
        ("0.1", "No claim numbered 0.1 on this debate's map."),
        ("#99999", "No claim #99999 in this debate."),
        ("giraffes", "No claim matches these words."),
    ],
)
def test_a_wrong_pick_says_why(tree, value, message):
    with pytest.raises(Exception) as refused:
        claim_picked(tree["member"], tree["debate"], value, "evidence_claim")

    assert refused.value.message_dict == {"evidence_claim": [message]}


def test_several_matches_are_listed_by_their_map_numbers(tree):
    with pytest.raises(Exception) as refused:
        claim_picked(tree["member"], tree["debate"], "cameras", "evidence_claim")

    (message,) = refused.value.message_dict["evidence_claim"]
    assert message.startswith("Several claims match; enter the number of one: ")
    assert set(re.findall(r"(\d+(?:\.\d+)*) “", message)) == {"1", "1.1", "1.2", "3"}


def test_the_list_is_the_branch_being_read(tree):
    choices = claim_choices(tree["member"], tree["debate"], tree["1.1"])

    assert [(c.number, c.text) for c in choices] == [
        ("1", "The city should add cameras."),
        ("1.1", "Cameras deter burglars."),
        ("1.1.1", "Burglars avoid watched streets."),
        ("1.2", "Cameras move crime elsewhere."),
        ("3", "Cameras cost too much."),
    ]


def _post(client, tree, **fields):
    debate = tree["debate"]
    client.force_login(tree["member"])
    data = {"quote": "fell by a fifth", "start": "11", "visibility": "everyone"}
    return client.post(f"/d/{debate.slug}/sources/audit/annotate/", {**data, **fields})


def test_evidence_by_map_number_from_the_page(client, tree):
    response = _post(client, tree, relation="opposes", evidence_claim="1.2")

    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert (annotation.evidence_claim, annotation.relation, annotation.exact) == (
        tree["1.2"],
        "opposes",
        "fell by a fifth",
    )


def test_a_wrong_number_keeps_the_selection_on_the_source_page(client, tree):
    services.annotation_add(
        user=tree["member"],
        debate=tree["debate"],
        source=tree["source"],
        quote="Nearby streets",
    )

    response = _post(client, tree, relation="supports", evidence_claim="1.7")

    content = response.content.decode()
    assert response.status_code == 400
    assert Annotation.objects.count() == 1
    # The source page itself, its highlight still there, the form open with
    # the selection and the error beside the claim field.
    assert '<mark class="hl-note"' in content
    assert 'name="start" value="11"' in content
    quote = re.search(r'<textarea name="quote"[^>]*>(.*?)</textarea>', content, re.S)
    assert html.unescape(quote[1]).strip() == "fell by a fifth"
    field = content.split('name="evidence_claim"')[1].split('<div class="field">')[0]
    assert "No claim numbered 1.7 on this debate&#x27;s map." in field


def test_add_evidence_from_a_claim_picks_it_and_the_source_filters_by_side(
    client, tree
):
    debate, member, source = tree["debate"], tree["member"], tree["source"]
    for quote, relation in [("fell by a fifth", "supports"), ("Nearby", "opposes")]:
        services.annotation_add(
            user=member,
            debate=debate,
            source=source,
            quote=quote,
            evidence_claim=tree["1.1"],
            relation=relation,
        )
    client.force_login(member)
    claim_page = client.get(f"/d/{debate.slug}/claims/{tree['1.1'].pk}/")
    url = f"/d/{debate.slug}/sources/audit/"

    picked = client.get(f"{url}?claim={tree['1.1'].pk}").content.decode()
    supporting = client.get(f"{url}?claim={tree['1.1'].pk}&side=supports")
    opposing = client.get(f"{url}?claim={tree['1.1'].pk}&side=opposes")

    page = html.unescape(claim_page.content.decode())
    balance = (
        "1 passage supports this claim (from 1 source); 1 opposes it (from 1 source)."
    )
    assert balance in re.sub(r"<[^>]+>", "", page)
    assert f'href="{url}?claim={tree["1.1"].pk}"' in page
    assert 'value="1.1 — Cameras deter burglars."' in picked
    assert '<option value="1.1 — Cameras deter burglars.">' in html.unescape(picked)
    assert [a.relation for a in supporting.context["annotations"]] == ["supports"]
    assert [a.relation for a in opposing.context["annotations"]] == ["opposes"]
    assert "Only the passages opposing claim 1.1: 1 annotation." in (
        opposing.content.decode()
    )
