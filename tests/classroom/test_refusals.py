"""Why an act is refused, said once (``rules.refusal``) and the same on every
channel: the page form (which keeps what was typed) and the API (403 with
the reason in ``detail``). Phase labels are the same everywhere."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from claims.models import Annotation, Claim
from claims.services import claim_create
from deliberation import events, phases, rules, services
from deliberation.models import Comment, Debate, Membership, Vote
from tests.api.helpers import client_for
from tests.factories import UserFactory, make_source

pytestmark = pytest.mark.django_db
User = get_user_model()

TEXT = "Cameras deter burglars at night."
COMMENT = "I changed my mind after reading the second source."
REMOVAL = "Posted insults after two warnings."
SUSPENSION = "Insults in two comments this week."


@pytest.fixture
def teacher():
    return UserFactory(username="teacher")


@pytest.fixture
def scene(teacher):
    """An unlisted class in its opening phase: a thesis, a con of the
    "against" side, and two pupils with their sides."""
    debate = services.class_create(
        owner=teacher, start="blank", question="Should cameras watch the square?"
    )
    Debate.objects.filter(pk=debate.pk).update(
        visibility=Debate.Visibility.UNLISTED, phase=phases.OPENING
    )
    debate.refresh_from_db()
    thesis = claim_create(
        debate=debate, parent=None, text="Yes, cameras should", author=teacher
    )
    ada = _pupil(debate, "Ada", side="for")
    cy = _pupil(debate, "Cy", side="against")
    con = claim_create(
        debate=debate, parent=thesis, stance="con", text="They move crime.", author=cy
    )
    return {
        "debate": debate,
        "thesis": thesis,
        "con": con,
        "ada": ada,
        "cy": cy,
        "teacher": teacher,
    }


def _pupil(debate, pseudonym, side=""):
    membership = services.guest_join(debate=debate, pseudonym=pseudonym)
    if side:
        Membership.objects.filter(pk=membership.pk).update(side=side)
    return User.objects.get(pk=membership.user_id)


def _phase(scene, phase):
    Debate.objects.filter(pk=scene["debate"].pk).update(phase=phase)


def _until():
    return (timezone.now() + timedelta(days=3)).replace(
        hour=14, minute=30, second=0, microsecond=0
    )


def _membership(scene, user):
    return Membership.objects.get(debate=scene["debate"], user=user)


# Each cause: what to do to the scene (Ada adds a claim under the thesis, a
# pro unless said), and the exact reason she is given.
def _removed(scene):
    services.member_remove(
        user=scene["teacher"],
        membership=_membership(scene, scene["ada"]),
        reason=REMOVAL,
    )
    return f"You were removed from this debate: {REMOVAL}"


def _suspended(scene):
    until = _until()
    services.member_suspend(
        user=scene["teacher"],
        membership=_membership(scene, scene["ada"]),
        until=until,
        reason=SUSPENSION,
    )
    when = f"{until.day} {until:%B %Y, %H:%M} UTC"
    return f"You are suspended from this debate until {when}: {SUSPENSION}"


def _observer(scene):
    Membership.objects.filter(user=scene["ada"]).update(role="observer")
    return "Observers read and flag, but cannot add claims."


def _locked(scene):
    Claim.objects.filter(pk=scene["thesis"].pk).update(locked=True)
    return "This thread is locked: no new claims."


def _prepare_phase(scene):
    _phase(scene, phases.PREPARE)
    return (
        "Adding claims is not open in the prepare phase. It opens in the opening phase."
    )


def _voting_phase(scene):
    _phase(scene, phases.VOTING)
    return "Adding claims is not open in the voting phase."


def _wrong_side(scene):
    scene["stance"] = "con"
    return "In the opening, argue for your side: add a pro."


def _no_side(scene):
    Membership.objects.filter(user=scene["ada"]).update(side="")
    return "The teacher has not given you a side yet."


CLAIM_CAUSES = {
    "removed": _removed,
    "suspended": _suspended,
    "observer": _observer,
    "locked": _locked,
    "phase-before": _prepare_phase,
    "phase-after": _voting_phase,
    "side": _wrong_side,
    "no-side": _no_side,
}


def _textarea(content: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', content, re.S)
    return html.unescape(found[1]).strip() if found else None


def _alert(content: str) -> str:
    found = re.search(r'role="alert">(.*?)</div>', content, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found[1])).strip() if found else None


@pytest.mark.parametrize("cause", CLAIM_CAUSES)
def test_a_refused_claim_on_the_page_keeps_the_text_and_gives_the_reason(
    client, scene, cause
):
    reason = CLAIM_CAUSES[cause](scene)
    before = (Claim.objects.count(), Membership.objects.count())
    client.force_login(scene["ada"])
    debate, thesis = scene["debate"], scene["thesis"]

    response = client.post(
        f"/d/{debate.slug}/claims/{thesis.pk}/add/",
        {"stance": scene.get("stance", "pro"), "text": TEXT},
    )

    content = response.content.decode()
    assert response.status_code == 403
    assert _alert(content) == reason
    assert _textarea(content, "text") == TEXT
    assert (Claim.objects.count(), Membership.objects.count()) == before


@pytest.mark.parametrize("cause", CLAIM_CAUSES)
def test_a_refused_claim_in_the_api_is_403_with_the_same_reason(scene, cause):
    reason = CLAIM_CAUSES[cause](scene)
    before = (Claim.objects.count(), Membership.objects.count())

    response = client_for(scene["ada"]).post(
        "/api/v1/claims/",
        {
            "parent": scene["thesis"].pk,
            "stance": scene.get("stance", "pro"),
            "text": TEXT,
        },
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": reason}
    assert (Claim.objects.count(), Membership.objects.count()) == before


def test_an_observer_in_the_opening_is_told_she_observes_not_that_the_phase_is_shut(
    client, scene
):
    _observer(scene)
    client.force_login(scene["ada"])

    content = client.get(f"/d/{scene['debate'].slug}/").content.decode()

    assert "Observers read and flag, but cannot add claims." in content
    assert "not open in the opening phase" not in content
    assert (
        'action="/d/' + scene["debate"].slug + "/claims/"
        not in content.split('id="add-heading"')[1].split("</section>")[0]
    )


def test_a_suspended_member_reads_the_end_date_and_the_reason_on_the_page(
    client, scene
):
    reason = _suspended(scene)
    client.force_login(scene["ada"])

    content = html.unescape(client.get(f"/d/{scene['debate'].slug}/").content.decode())

    assert f'<p class="empty refusal">{reason}</p>' in content
    assert "You cannot add claims in this debate" not in content


def test_the_rules_give_the_first_cause_in_their_order(scene):
    suspended = _suspended(scene)
    _observer(scene)
    _locked(scene)
    _prepare_phase(scene)

    def why():
        # A fresh person and claim, as in a new request (nothing cached).
        ada = User.objects.get(pk=scene["ada"].pk)
        thesis = Claim.objects.get(pk=scene["thesis"].pk)
        return rules.refusal(ada, "deliberation.add_claim_under", thesis)

    thesis = Claim.objects.get(pk=scene["thesis"].pk)
    assert (
        rules.refusal(AnonymousUser(), "deliberation.add_claim_under", thesis)
        == "Sign in to add claims."
    )
    assert why() == suspended
    Membership.objects.filter(user=scene["ada"]).update(
        status="active", suspended_until=None
    )
    assert why() == "Observers read and flag, but cannot add claims."
    Membership.objects.filter(user=scene["ada"]).update(role="participant")
    assert why() == "This thread is locked: no new claims."
    Claim.objects.filter(pk=thesis.pk).update(locked=False)
    assert why() == (
        "Adding claims is not open in the prepare phase. It opens in the opening phase."
    )
    _phase(scene, phases.OPENING)
    assert why() is None
    # The teacher is held by none of the phase and side rules.
    _prepare_phase(scene)
    teacher = User.objects.get(pk=scene["teacher"].pk)
    thesis = Claim.objects.get(pk=thesis.pk)
    assert rules.refusal(teacher, "deliberation.add_claim_under", thesis) is None


def test_phase_refusals_name_the_phase_and_the_one_that_opens_the_act():
    assert phases.not_now(phases.PREPARE, phases.VOTE) == (
        "Voting is not open in the prepare phase. It opens in the voting phase."
    )
    assert phases.not_now(phases.CLOSED, phases.COMMENT) == (
        "Commenting is not open in the closed phase."
    )
    assert phases.not_now(phases.OPENING, phases.CLAIM) == ""
    assert phases.not_now(phases.NONE, phases.ANNOTATE) == ""


# --- Comments -------------------------------------------------------------------


def _comment_locked(scene):
    _phase(scene, phases.REFLECTION)
    Claim.objects.filter(pk=scene["thesis"].pk).update(locked=True)
    return "This thread is locked: no new comments."


def _comment_phase(scene):
    return (
        "Commenting is not open in the opening phase. It opens in the reflection phase."
    )


def _comment_observer(scene):
    _phase(scene, phases.REFLECTION)
    Membership.objects.filter(user=scene["ada"]).update(role="observer")
    return "Observers read and flag, but cannot comment."


def _comment_suspended(scene):
    _phase(scene, phases.REFLECTION)
    return _suspended(scene)


COMMENT_CAUSES = {
    "locked": _comment_locked,
    "phase": _comment_phase,
    "observer": _comment_observer,
    "suspended": _comment_suspended,
}


@pytest.mark.parametrize("cause", COMMENT_CAUSES)
def test_a_refused_comment_on_the_page_keeps_the_text_and_gives_the_reason(
    client, scene, cause
):
    reason = COMMENT_CAUSES[cause](scene)
    client.force_login(scene["ada"])

    response = client.post(
        f"/d/{scene['debate'].slug}/claims/{scene['thesis'].pk}/comments/",
        {"body": COMMENT, "alignment": "neutral"},
    )

    content = response.content.decode()
    assert response.status_code == 403
    assert _alert(content) == reason
    assert _textarea(content, "body") == COMMENT
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("cause", COMMENT_CAUSES)
def test_a_refused_comment_in_the_api_is_403_with_the_same_reason(scene, cause):
    reason = COMMENT_CAUSES[cause](scene)

    response = client_for(scene["ada"]).post(
        f"/api/v1/claims/{scene['thesis'].pk}/comments/",
        {"body": COMMENT},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": reason}
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("cause", COMMENT_CAUSES)
def test_the_discussion_says_why_instead_of_the_comment_form(client, scene, cause):
    reason = COMMENT_CAUSES[cause](scene)
    client.force_login(scene["ada"])

    content = html.unescape(client.get(f"/d/{scene['debate'].slug}/").content.decode())
    discussion = content.split('id="discussion-heading"')[1].split("</section>")[0]

    assert f'<p class="empty refusal">{reason}</p>' in discussion
    assert "<textarea" not in discussion
    assert "You cannot comment in this debate" not in content


# --- Votes ----------------------------------------------------------------------


def _vote_phase(scene):
    return "Voting is not open in the opening phase. It opens in the voting phase."


def _vote_off(scene):
    _phase(scene, phases.VOTING)
    Debate.objects.filter(pk=scene["debate"].pk).update(voting_enabled=False)
    return "Voting is switched off in this debate."


def _vote_observer(scene):
    _phase(scene, phases.VOTING)
    Membership.objects.filter(user=scene["ada"]).update(role="observer")
    return "Observers read and flag, but cannot vote."


VOTE_CAUSES = {
    "phase": _vote_phase,
    "voting-off": _vote_off,
    "observer": _vote_observer,
}


@pytest.mark.parametrize("cause", VOTE_CAUSES)
def test_a_refused_vote_gives_the_same_reason_on_the_page_and_in_the_api(
    client, scene, cause
):
    reason = VOTE_CAUSES[cause](scene)
    client.force_login(scene["ada"])
    debate, claim = scene["debate"], scene["thesis"]

    page = client.post(f"/d/{debate.slug}/claims/{claim.pk}/vote/", {"stance": "agree"})
    script = client.post(
        f"/d/{debate.slug}/claims/{claim.pk}/vote/",
        {"stance": "agree"},
        headers={"Accept": "application/json"},
    )
    api = client_for(scene["ada"]).post(
        f"/api/v1/claims/{claim.pk}/vote/", {"stance": "agree"}, format="json"
    )

    assert page.status_code == 403
    assert _alert_p(page.content.decode()) == reason
    assert (script.status_code, script.json()) == (403, {"error": reason})
    assert (api.status_code, api.json()) == (403, {"detail": reason})
    assert Vote.objects.count() == 0


def _alert_p(content: str) -> str:
    found = re.search(r'<p role="alert">(.*?)</p>', content, re.S)
    return html.unescape(found[1]) if found else None


def test_the_author_of_a_hidden_claim_is_told_it_takes_no_votes(scene):
    _phase(scene, phases.VOTING)
    Claim.objects.filter(pk=scene["con"].pk).update(status="hidden")

    response = client_for(scene["cy"]).post(
        f"/api/v1/claims/{scene['con'].pk}/vote/", {"stance": "agree"}, format="json"
    )

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This claim is hidden: no votes."},
    )
    assert Vote.objects.count() == 0


def test_guided_voting_says_why_instead_of_the_buttons(client, scene):
    client.force_login(scene["ada"])

    content = html.unescape(
        client.get(f"/d/{scene['debate'].slug}/vote/").content.decode()
    )

    assert (
        '<p class="empty refusal">Voting is not open in the opening phase. '
        "It opens in the voting phase.</p>" in content
    )
    assert 'name="stance" value="agree"' not in content


# --- What the claim form offers -------------------------------------------------


def _stances(content: str) -> list[tuple[str, bool]]:
    form = content.split('id="add-heading"')[1].split("</section>")[0]
    return [
        (value, "checked" in tag)
        for tag, value in re.findall(
            r'(<input type="radio" name="stance" value="(\w+)"[^>]*>)', form
        )
    ]


def test_the_opening_offers_a_pupil_only_her_sides_stance(client, scene):
    client.force_login(scene["cy"])  # against: cons under the thesis

    content = client.get(f"/d/{scene['debate'].slug}/").content.decode()

    assert _stances(content) == [("con", True)]


def test_the_rebuttal_offers_only_a_con_against_the_other_side(client, scene):
    _phase(scene, phases.REBUTTAL)
    client.force_login(scene["ada"])  # for: answers Cy's con with a con
    slug = scene["debate"].slug

    other_side = client.get(f"/d/{slug}/claims/{scene['con'].pk}/").content.decode()
    own_side = html.unescape(
        client.get(f"/d/{slug}/claims/{scene['thesis'].pk}/").content.decode()
    )

    assert _stances(other_side) == [("con", True)]
    assert _stances(own_side) == []
    assert (
        '<p class="empty refusal">'
        "In the rebuttal, answer a claim of the other side.</p>" in own_side
    )


def test_the_teacher_is_offered_both_stances_in_any_phase(client, scene):
    client.force_login(scene["teacher"])

    content = client.get(f"/d/{scene['debate'].slug}/").content.decode()

    assert _stances(content) == [("pro", False), ("con", False)]


def test_a_refused_stance_comes_back_with_only_the_allowed_one_offered(client, scene):
    client.force_login(scene["ada"])
    debate, thesis = scene["debate"], scene["thesis"]

    response = client.post(
        f"/d/{debate.slug}/claims/{thesis.pk}/add/", {"stance": "con", "text": TEXT}
    )

    content = response.content.decode()
    assert response.status_code == 403
    assert _alert(content) == "In the opening, argue for your side: add a pro."
    assert _textarea(content, "text") == TEXT
    assert [value for value, _ in _stances(content)] == ["pro"]
    assert Claim.objects.count() == 2


# --- Hidden items ---------------------------------------------------------------


def test_an_item_hidden_by_flags_says_so_not_that_a_moderator_hid_it(client, scene):
    debate, con = scene["debate"], scene["con"]
    for name in ["Eve", "Fay", "Gus"]:
        services.flag_create(user=_pupil(debate, name), item=con, reason="spam")
    client.force_login(scene["ada"])

    thesis_page = html.unescape(client.get(f"/d/{debate.slug}/").content.decode())
    claim_page = html.unescape(
        client.get(f"/d/{debate.slug}/claims/{con.pk}/").content.decode()
    )

    notice = "Hidden after 3 flags, waiting for a moderator."
    assert notice in thesis_page
    assert notice in claim_page
    assert "Hidden by a moderator" not in thesis_page + claim_page


# --- Phase labels everywhere ----------------------------------------------------


def test_a_phase_has_one_label_on_the_banner_the_dashboard_the_event_and_the_api(
    client, scene, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        events, "publish", lambda **kwargs: sent.append((kwargs["event"], kwargs))
    )
    debate = scene["debate"]
    with django_capture_on_commit_callbacks(execute=True):
        services.phase_set(user=scene["teacher"], debate=debate, phase="rebuttal")
    client.force_login(scene["ada"])
    banner = client.get(f"/d/{debate.slug}/").content.decode()
    client.force_login(scene["teacher"])
    dashboard = client.get(f"/d/{debate.slug}/class/").content.decode()
    api = client_for(scene["ada"]).get(f"/api/v1/debates/{debate.slug}/").json()

    payloads = [p["payload"] for event, p in sent if event == "phase.changed"]
    assert payloads == [
        {
            "phase": "rebuttal",
            "label": "Rebuttal",
            "hint": "Answer the other side's claims with cons.",
            "next_label": "",
            "next_at": "",
        }
    ]
    assert "<strong data-phase-label>Rebuttal</strong>" in banner
    assert (
        "<span data-phase-hint>Answer the other side&#x27;s claims with cons.</span>"
        in banner
    )
    assert "Now: <strong>Rebuttal</strong>" in dashboard
    assert (api["phase"], api["phase_label"]) == ("rebuttal", "Rebuttal")
    assert Debate.Phase("rebuttal").label == phases.label("rebuttal") == "Rebuttal"


# --- Annotations ----------------------------------------------------------------


def test_a_refused_annotation_keeps_the_passage_and_gives_the_reason(client, scene):
    debate = scene["debate"]
    source = make_source(debate, key="report", text="Many cameras watch the square.")
    _phase(scene, phases.VOTING)
    client.force_login(scene["ada"])

    source_page = html.unescape(
        client.get(f"/d/{debate.slug}/sources/report/").content.decode()
    )
    response = client.post(
        f"/d/{debate.slug}/sources/{source.key}/annotate/",
        {"quote": "Many cameras", "body": COMMENT, "visibility": "everyone"},
    )

    reason = "Annotating is not open in the voting phase."
    content = response.content.decode()
    assert f'<p class="empty refusal">{reason}</p>' in source_page
    assert response.status_code == 403
    assert _alert(content) == reason
    assert (_textarea(content, "quote"), _textarea(content, "body")) == (
        "Many cameras",
        COMMENT,
    )
    assert Annotation.objects.count() == 0


def test_evidence_with_a_claim_the_side_rule_refuses_keeps_the_new_claim(client, scene):
    debate, thesis = scene["debate"], scene["thesis"]
    make_source(debate, key="report", text="Many cameras watch the square.")
    client.force_login(scene["ada"])

    response = client.post(
        f"/d/{debate.slug}/sources/report/annotate/",
        {
            "quote": "Many cameras",
            "visibility": "everyone",
            "relation": "supports",
            "new_claim_parent": f"#{thesis.pk}",
            "new_claim_stance": "con",
            "new_claim_text": TEXT,
        },
    )

    content = response.content.decode()
    assert response.status_code == 403
    assert _alert(content) == "In the opening, argue for your side: add a pro."
    assert _textarea(content, "new_claim_text") == TEXT
    assert (Annotation.objects.count(), Claim.objects.count()) == (0, 2)


def test_each_column_offers_plus_only_for_what_the_phase_and_side_allow(client, scene):
    """Kialo's "+" at the head of a column: "+ Add a pro" opens the form with
    its stance chosen; in the opening a pupil on the "for" side gets only the
    pro column's, the teacher both, an anonymous reader none."""
    debate, thesis = scene["debate"], scene["thesis"]
    url = f"/d/{debate.slug}/claims/{thesis.pk}/"
    plus = {
        stance: f'href="?stance={stance}#add-heading">+ Add a {stance}</a>'
        for stance in ("pro", "con")
    }

    def offered(page):
        return [s for s in ("pro", "con") if plus[s] in page.content.decode()]

    assert offered(client.get(url)) == []
    client.force_login(scene["ada"])
    assert offered(client.get(url)) == ["pro"]
    client.force_login(scene["teacher"])
    assert offered(client.get(url)) == ["pro", "con"]

    page = client.get(url + "?stance=con").content.decode()
    radios = re.findall(r'<input type="radio" name="stance" [^>]*>', page)
    assert [("checked" in r, 'value="con"' in r) for r in radios] == [
        (False, False),
        (True, True),
    ]
