"""One person, one name: a guest with a pseudonym and a registered member
are named the same on every channel — pages, the API, W3C annotations, each
export, live events, the review queue, the audit log and the members page —
and a guest's internal username (``guest-…``) appears in none of them.

In a pseudonymous debate everyone sees the pseudonym (the registered member
has none: their username). In an anonymous one, a participant sees generated
names while the moderator sees the same names as in a pseudonymous debate;
live events go to every reader, so they carry the generated names."""

import asyncio
import csv
import io
import json
import re
from html import unescape

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from lxml import html as lxml_html

from deliberation import services
from deliberation.events import debate_group
from deliberation.models import Debate, Membership
from tests.api.helpers import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Arrests rose after the cameras came, the report says."
EXPORTS = ("csv", "aif", "annotations", "kialo", "argdown")


async def _drain(layer, channel) -> list[dict]:
    # Every event was sent before this runs: stop at the first empty wait.
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), 0.2))
        except TimeoutError:
            return messages


@pytest.fixture(params=[False, True], ids=["pseudonymous", "anonymous"])
def scene(request, settings, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    teacher = UserFactory(username="teacher_t")
    debate = services.debate_create(
        owner=teacher, question="Should cities use cameras?", theses=["Cameras."]
    )
    Debate.objects.filter(pk=debate.pk).update(anonymity=request.param)
    debate.refresh_from_db()
    thesis = debate.claims.get(depth=1)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(debate_group(debate.pk), channel)

    with django_capture_on_commit_callbacks(execute=True):
        nadia = services.guest_join(debate=debate, pseudonym="Nadia K").user
        sam = UserFactory(username="sam_reg")
        services.debate_join(user=sam, debate=debate)
        reader = UserFactory(username="reader_r")
        services.debate_join(user=reader, debate=debate)
        source = services.source_add(
            user=teacher, debate=debate, title="Report", text=TEXT
        )
        items = {}
        for key, person in (("nadia", nadia), ("sam", sam)):
            claim = services.claim_contribute(
                user=person, parent=thesis, stance="pro", text=f"Claim of {key}."
            )
            rude = services.comment_add(user=person, claim=thesis, body="Rude.")
            items[key] = {
                "claim": claim,
                "comment": services.comment_add(
                    user=person, claim=thesis, body=f"Comment of {key}."
                ),
                "annotation": services.annotation_add(
                    user=person,
                    debate=debate,
                    source=source,
                    quote="Arrests rose",
                    body=f"Note of {key}.",
                ),
                "hide": services.item_hide(
                    user=teacher, item=rude, reason="Uncivil words here."
                ),
                "membership": Membership.objects.get(debate=debate, user=person),
            }
            services.flag_create(user=reader, item=claim, reason="spam")

    events = async_to_sync(_drain)(layer, channel)
    animals = {key: items[key]["membership"].animal_name for key in ("nadia", "sam")}
    return {
        "debate": debate,
        "thesis": thesis,
        "source": source,
        "teacher": teacher,
        "reader": reader,
        "items": items,
        "events": events,
        "anonymous": request.param,
        "real": {"nadia": "Nadia K", "sam": "sam_reg"},
        "generated": animals,
    }


class Walk:
    """Everything one viewer is shown, as raw texts and the names read off
    them, per channel and person."""

    def __init__(self, scene, viewer):
        self.scene = scene
        self.client = client_for(viewer)
        self.texts: dict[str, str] = {}
        self.names: dict[str, dict[str, str]] = {}

    def get(self, channel: str, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (channel, url, response.status_code)
        # getvalue: exports stream, pages do not
        self.texts[channel] = response.getvalue().decode()
        return self.texts[channel]

    def saw(self, channel: str, key: str, name) -> None:
        self.names.setdefault(channel, {})[key] = name

    def pages(self):
        slug, items = self.scene["debate"].slug, self.scene["items"]
        thesis = self.scene["thesis"]
        tree = lxml_html.fromstring(self.get("page", f"/d/{slug}/claims/{thesis.pk}/"))
        source = self.scene["source"]
        sources = lxml_html.fromstring(
            self.get("page-source", f"/d/{slug}/sources/{source.key}/")
        )
        for key, item in items.items():
            card = tree.get_element_by_id(f"claim-{item['claim'].pk}")
            (byline,) = [
                s.text_content().strip()
                for s in card.iter("span")
                if s.text_content().strip().startswith("by ")
            ]
            self.saw("page-claim-card", key, byline.removeprefix("by "))
            comment = tree.get_element_by_id(f"comment-{item['comment'].pk}")
            badge = comment.find_class("meta")[0].find("span")
            self.saw("page-comment", key, badge.tail.strip().removesuffix("·").strip())
            annotation = sources.get_element_by_id(
                f"annotation-{item['annotation'].pk}"
            )
            meta = annotation.find_class("meta")[-1]
            self.saw(
                "page-annotation", key, meta.text.strip().removesuffix("·").strip()
            )
            focus = self.get(
                f"page-focus-{key}", f"/d/{slug}/claims/{item['claim'].pk}/"
            )
            self.saw(
                "page-focus", key, unescape(re.search(r"Added by (.+?) · ", focus)[1])
            )

    def api(self):
        for key, item in self.scene["items"].items():
            claim = json.loads(
                self.get(f"api-claim-{key}", f"/api/v1/claims/{item['claim'].pk}/")
            )
            self.saw("api-claim", key, claim["author"])
            comment = json.loads(
                self.get(
                    f"api-comment-{key}", f"/api/v1/comments/{item['comment'].pk}/"
                )
            )
            self.saw("api-comment", key, comment["author"])
            annotation = json.loads(
                self.get(
                    f"api-w3c-{key}", f"/api/v1/annotations/{item['annotation'].pk}/"
                )
            )
            self.saw("api-w3c", key, annotation["creator"]["nickname"])
        thread = json.loads(
            self.get(
                "api-comments", f"/api/v1/claims/{self.scene['thesis'].pk}/comments/"
            )
        )
        by_id = {c["id"]: c["author"] for c in thread["results"]}
        container = json.loads(
            self.get(
                "api-w3c-container",
                f"/api/v1/debates/{self.scene['debate'].slug}/annotations/",
            )
        )
        nicknames = {
            a["id"]: a["creator"]["nickname"] for a in container["first"]["items"]
        }
        for key, item in self.scene["items"].items():
            self.saw("api-comments", key, by_id[item["comment"].pk])
            (nickname,) = [
                n
                for url, n in nicknames.items()
                if url.endswith(f"/annotations/{item['annotation'].pk}/")
            ]
            self.saw("api-w3c-container", key, nickname)

    def exports(self):
        slug = self.scene["debate"].slug
        for format in EXPORTS:
            self.get(f"export-{format}", f"/d/{slug}/export/{format}/")
        rows = list(csv.DictReader(io.StringIO(self.texts["export-csv"])))
        aif = json.loads(self.texts["export-aif"])
        locutions = [n["text"] for n in aif["nodes"] if n["type"] == "L"]
        annotations = json.loads(self.texts["export-annotations"])["first"]["items"]
        for key, item in self.scene["items"].items():
            text = item["claim"].text
            (author,) = [r["author"] for r in rows if r["text"] == text]
            self.saw("export-csv", key, author)
            (said,) = [t for t in locutions if t.endswith(f" : {text}")]
            self.saw("export-aif", key, said.removesuffix(f" : {text}"))
            (nickname,) = [
                a["creator"]["nickname"]
                for a in annotations
                if a["id"].endswith(f"/annotations/{item['annotation'].pk}/")
            ]
            self.saw("export-annotations", key, nickname)

    def moderation(self):
        slug = self.scene["debate"].slug
        queue = lxml_html.fromstring(self.get("queue", f"/d/{slug}/moderation/"))
        queue_api = json.loads(self.get("api-queue", f"/api/v1/debates/{slug}/flags/"))
        log = lxml_html.fromstring(self.get("log", f"/d/{slug}/moderation-log/"))
        log_api = json.loads(
            self.get("api-log", f"/api/v1/debates/{slug}/moderation-log/")
        )
        members = lxml_html.fromstring(self.get("members", f"/d/{slug}/members/"))
        for key, item in self.scene["items"].items():
            entry = queue.get_element_by_id(f"queue-claim-{item['claim'].pk}")
            meta = entry.find_class("meta")[0].text_content()
            self.saw("queue", key, re.search(r"by (.+?) · weight", meta)[1])
            (author,) = [
                e["author"]
                for e in queue_api
                if (e["kind"], e["id"]) == ("claim", item["claim"].pk)
            ]
            self.saw("api-queue", key, author)
            row = log.get_element_by_id(f"action-{item['hide'].pk}").text_content()
            self.saw("log", key, re.search(r"about (.+?) · by", row)[1])
            (subject,) = [
                r["subject"] for r in log_api["results"] if r["id"] == item["hide"].pk
            ]
            self.saw("api-log", key, subject)
            member = members.get_element_by_id(f"member-{item['membership'].pk}")
            self.saw("members", key, member.find("td").text_content().strip())


def events_named(scene) -> dict[str, dict[str, str]]:
    payloads = [(m["event"], m["payload"]) for m in scene["events"]]
    names = {}
    for key, item in scene["items"].items():
        for event, field, pk in (
            ("claim.added", "claim_id", item["claim"].pk),
            ("comment.added", "comment_id", item["comment"].pk),
            ("annotation.added", "annotation_id", item["annotation"].pk),
        ):
            (author,) = [
                p["author"] for e, p in payloads if e == event and p[field] == pk
            ]
            names.setdefault(f"event-{event}", {})[key] = author
    return names


def assert_one_name_everywhere(walk: Walk, expected: dict[str, str]):
    assert walk.names, "nothing was read"
    for channel, named in walk.names.items():
        assert named == expected, channel
    for channel, text in walk.texts.items():
        assert "guest-" not in text, channel


def test_a_participant_sees_each_person_under_one_name_on_every_channel(scene):
    walk = Walk(scene, scene["reader"])
    walk.pages()
    walk.api()
    walk.exports()
    expected = scene["generated"] if scene["anonymous"] else scene["real"]

    assert_one_name_everywhere(walk, expected)
    assert len(walk.names) == 12  # every channel above named both people
    for format in ("kialo", "argdown"):  # these formats carry no authors
        assert "Nadia K" not in walk.texts[f"export-{format}"]


def test_a_moderator_sees_the_same_names_on_every_channel_and_in_moderation(
    scene,
):
    walk = Walk(scene, scene["teacher"])
    walk.pages()
    walk.api()
    walk.exports()
    walk.moderation()

    assert_one_name_everywhere(walk, scene["real"])
    assert len(walk.names) == 17
    # The flagger is named by the rule too (a registered account, no pseudonym).
    assert "Spam</strong> by reader_r" in walk.texts["queue"]


def test_live_events_carry_the_name_every_reader_may_see(scene):
    expected = scene["generated"] if scene["anonymous"] else scene["real"]

    named = events_named(scene)

    assert named == {
        "event-claim.added": expected,
        "event-comment.added": expected,
        "event-annotation.added": expected,
    }
    assert "guest-" not in json.dumps(scene["events"])
    if scene["anonymous"]:
        assert "Nadia K" not in json.dumps(scene["events"])
