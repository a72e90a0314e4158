"""Import and export through the CLI, the API and the pages, on the database:
round trips of the demo debate, bad files (400 with line and reason, nothing
written), size limits, who may import and export what."""

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.formats.aif import parse_aif
from claims.formats.argdown import parse_argdown
from claims.formats.kialo import parse_kialo
from claims.models import Annotation, Claim, Source
from deliberation import services
from deliberation.models import Debate
from tests.api.helpers import client_for
from tests.factories import DebateFactory, UserFactory, make_claim, make_source
from tests.interchange.conftest import sample
from tests.interchange.helpers import relations, shape

SLUG = "ai-surveillance-policing"
PARSERS = {"kialo": parse_kialo, "argdown": parse_argdown, "aif": parse_aif}


def _export(slug, format, *extra):
    out = StringIO()
    call_command("export_debate", slug, "--format", format, *extra, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("format", ["kialo", "argdown", "aif"])
def test_cli_round_trip_of_the_demo(demo, tmp_path, format):
    exported = _export(SLUG, format)
    path = tmp_path / f"demo.{format}"
    path.write_text(exported, encoding="utf-8")
    out = StringIO()
    call_command(
        "import_debate", str(path), "--format", format, stdout=out, stderr=StringIO()
    )
    slug = out.getvalue().strip().splitlines()[-1]
    imported = Debate.objects.get(slug=slug)
    assert imported.claims.count() == 98
    assert imported.claims.filter(link_to__isnull=False).count() == 14
    again = PARSERS[format](_export(slug, format))
    first = PARSERS[format](exported)
    assert relations(again) == relations(first)
    if format == "kialo":
        assert shape(again) == shape(first)
        assert imported.sources.count() == 5


def test_cli_import_of_a_bad_file_names_the_line_and_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Discussion Title: T\n\n1. A\n1.1. B\n", encoding="utf-8")
    before = (Debate.objects.count(), Claim.objects.count())
    with pytest.raises(CommandError) as caught:
        call_command("import_debate", str(path), "--format", "kialo")
    assert "line 4" in str(caught.value)
    assert "Nothing was imported" in str(caught.value)
    assert (Debate.objects.count(), Claim.objects.count()) == before


def test_cli_export_to_a_file_and_csv(demo, tmp_path):
    target = tmp_path / "claims.csv"
    call_command(
        "export_debate", SLUG, "--format", "csv", "-o", str(target), stderr=StringIO()
    )
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "path,stance,text,author,link_to,agree,disagree,pass,impact_voters,impact_mean"
    )
    assert len(lines) == 1 + 98
    assert lines[1].startswith("1,thesis,")


def test_api_import_creates_a_debate_owned_by_the_requester(db):
    user = UserFactory()
    upload = SimpleUploadedFile("k.txt", sample("kialo_newer.txt").encode())
    response = client_for(user).post(
        reverse("api-debate-import"), {"format": "kialo", "file": upload}
    )
    assert response.status_code == 201, response.content
    debate = Debate.objects.get(slug=response.json()["slug"])
    assert debate.owner == user
    assert response.json()["claims"] == 5 and response.json()["sources"] == 1
    assert debate.claims.filter(author=user).count() == 5


def test_api_import_bad_file_is_400_with_location_and_reason(db):
    user = UserFactory()
    before = (Debate.objects.count(), Claim.objects.count(), Source.objects.count())
    upload = SimpleUploadedFile("a.json", b'{"nodes": [], "edges": 3}')
    response = client_for(user).post(
        reverse("api-debate-import"), {"format": "aif", "file": upload}
    )
    assert response.status_code == 400
    assert response.json() == {
        "location": "$.edges",
        "reason": "expected a list of edges",
    }
    assert (
        Debate.objects.count(),
        Claim.objects.count(),
        Source.objects.count(),
    ) == before


def test_api_import_size_limit_and_anonymous(db, settings):
    settings.INTERCHANGE_IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("k.txt", sample("kialo_newer.txt").encode())
    anonymous = client_for(None).post(
        reverse("api-debate-import"), {"format": "kialo", "file": upload}
    )
    assert anonymous.status_code in (401, 403)
    upload.seek(0)
    response = client_for(UserFactory()).post(
        reverse("api-debate-import"), {"format": "kialo", "file": upload}
    )
    assert response.status_code == 400
    assert response.json()["location"] == "file"
    assert "the limit is 100 bytes" in response.json()["reason"]
    assert Debate.objects.count() == 0


def test_api_import_a_claim_past_the_nesting_limit_is_a_clean_400(db):
    lines = ["Discussion Title: Deep", "", "1. Root"]
    path = "1"
    for _ in range(70):
        path += ".1"
        lines.append(f"{path}. Pro: deeper")
    upload = SimpleUploadedFile("deep.txt", "\n".join(lines).encode())
    response = client_for(UserFactory()).post(
        reverse("api-debate-import"), {"format": "kialo", "file": upload}
    )
    assert response.status_code == 400
    assert response.json()["location"] == "line 66"
    assert Claim.objects.count() == 0


def test_api_export_private_debate_is_404_to_strangers(db):
    owner = UserFactory()
    debate = DebateFactory(owner=owner, visibility=Debate.Visibility.PRIVATE)
    make_claim(debate, text="Secret thesis.")
    url = reverse("api-debate-export", kwargs={"slug": debate.slug}) + "?format=kialo"
    assert client_for(UserFactory()).get(url).status_code == 404
    mine = client_for(owner).get(url)
    assert mine.status_code == 200
    assert "Secret thesis." in mine.getvalue().decode()
    assert mine["Content-Disposition"] == f'attachment; filename="{debate.slug}.txt"'


def test_api_export_bad_format_is_400(demo):
    url = reverse("api-debate-export", kwargs={"slug": SLUG}) + "?format=docx"
    response = client_for(None).get(url)
    assert response.status_code == 400
    assert response.json()["location"] == "format"


def test_export_leaves_out_hidden_claims_and_private_annotations(db):
    owner, reader = UserFactory(), UserFactory()
    debate = DebateFactory(owner=owner)
    thesis = make_claim(debate, text="Visible thesis.")
    make_claim(debate, parent=thesis, text="Hidden pro.", status=Claim.Status.HIDDEN)
    source = make_source(debate, text="A passage to annotate here.")
    services.annotation_add(
        user=owner, debate=debate, source=source, quote="passage", body="For all."
    )
    services.annotation_add(
        user=owner,
        debate=debate,
        source=source,
        quote="annotate",
        body="Mine only.",
        visibility=Annotation.Visibility.ONLY_ME,
    )
    base = reverse("api-debate-export", kwargs={"slug": debate.slug})
    kialo = client_for(reader).get(base + "?format=kialo").getvalue().decode()
    assert "Visible thesis." in kialo and "Hidden pro." not in kialo
    collection = json.loads(
        client_for(reader).get(base + "?format=annotations").getvalue()
    )
    assert collection["type"] == "AnnotationCollection"
    assert [a["body"][0]["value"] for a in collection["first"]["items"]] == ["For all."]
    mine = json.loads(client_for(owner).get(base + "?format=annotations").getvalue())
    assert sorted(a["body"][0]["value"] for a in mine["first"]["items"]) == [
        "For all.",
        "Mine only.",
    ]


def test_annotations_round_trip_through_export_and_import(db):
    owner, other = UserFactory(), UserFactory()
    debate = DebateFactory(owner=owner)
    thesis = make_claim(debate, text="Cameras cut crime.")
    source = make_source(debate, text="Crime fell by a third after cameras came.")
    services.annotation_add(
        user=owner,
        debate=debate,
        source=source,
        quote="fell by a third",
        body="Key figure.",
        tags=["numbers"],
        evidence_claim=thesis,
        relation="supports",
    )
    exported = (
        client_for(owner)
        .get(
            reverse("api-debate-export", kwargs={"slug": debate.slug})
            + "?format=annotations"
        )
        .getvalue()
    )
    upload = SimpleUploadedFile("a.jsonld", exported)
    response = client_for(other).post(
        reverse("api-debate-annotations-import", kwargs={"slug": debate.slug}),
        {"file": upload},
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 1}
    copy = Annotation.objects.get(creator=other)
    assert (copy.exact, copy.body, copy.tags, copy.evidence_claim, copy.relation) == (
        "fell by a third",
        "Key figure.",
        ["numbers"],
        thesis,
        "supports",
    )


def test_annotations_import_bad_item_names_its_path_and_imports_none(db):
    owner = UserFactory()
    debate = DebateFactory(owner=owner)
    source = make_source(debate, text="Some text to annotate.")
    target = f"http://testserver/api/v1/sources/{source.pk}/"
    good = {
        "type": "Annotation",
        "target": {
            "source": target,
            "selector": {"type": "TextQuoteSelector", "exact": "text"},
        },
    }
    bad = {
        "type": "Annotation",
        "target": {
            "source": target,
            "selector": {"type": "TextQuoteSelector", "exact": "absent words"},
        },
    }
    page = {"type": "AnnotationPage", "items": [good, bad]}
    upload = SimpleUploadedFile("a.jsonld", json.dumps(page).encode())
    response = client_for(owner).post(
        reverse("api-debate-annotations-import", kwargs={"slug": debate.slug}),
        {"file": upload},
    )
    assert response.status_code == 400
    assert response.json()["location"] == "$.items[1]"
    assert Annotation.objects.count() == 0


def test_upload_page_small_file_imports_at_once(db):
    user = UserFactory()
    client = client_for(user)
    assert client.get(reverse("debate_import")).status_code == 200
    upload = SimpleUploadedFile("d.argdown", sample("debate.argdown").encode())
    response = client.post(
        reverse("debate_import"), {"format": "argdown", "file": upload}
    )
    debate = Debate.objects.get(owner=user)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "debate_detail", kwargs={"slug": debate.slug}
    )
    assert debate.claims.count() == 6


def test_upload_page_large_file_goes_through_the_task_with_progress(
    db, settings, eager_tasks
):
    settings.INTERCHANGE_INLINE_MAX_BYTES = 10
    user = UserFactory()
    client = client_for(user)
    upload = SimpleUploadedFile("a.json", sample("minimal_aif.json").encode())
    with pytest.MonkeyPatch.context() as patch:
        # Eager tasks run at commit; the test transaction never commits.
        patch.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())
        response = client.post(
            reverse("debate_import"), {"format": "aif", "file": upload}
        )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    debate = Debate.objects.get(owner=user)
    assert debate.claims.count() == 3
    assert (
        f'href="{reverse("debate_detail", kwargs={"slug": debate.slug})}"'
        in page.content.decode()
    )
    assert 'value="100"' in page.content.decode()
    # Someone else's job is not theirs to see.
    assert client_for(UserFactory()).get(response["Location"]).status_code == 404


def test_upload_page_bad_file_shows_line_and_reason(db):
    user = UserFactory()
    upload = SimpleUploadedFile("k.txt", b"Discussion Title: T\n\n1. A\n1.1. B\n")
    response = client_for(user).post(
        reverse("debate_import"), {"format": "kialo", "file": upload}
    )
    assert response.status_code == 400
    assert "At line 4:" in response.content.decode()
    assert Debate.objects.count() == 0


def test_upload_page_needs_sign_in(db):
    response = client_for(None).get(reverse("debate_import"))
    assert response.status_code == 302


def test_debate_page_has_the_download_menu_and_downloads_work(demo):
    client = client_for(None)
    page = client.get(reverse("debate_detail", kwargs={"slug": SLUG})).content.decode()
    for format in ("kialo", "argdown", "aif", "annotations", "csv"):
        url = reverse("debate_download", kwargs={"slug": SLUG, "format": format})
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200
    bad = reverse("debate_download", kwargs={"slug": SLUG, "format": "docx"})
    assert client.get(bad).status_code == 404


@pytest.mark.parametrize(
    ("format", "content", "location"),
    [
        ("kialo", b"Discussion Title: T\n\n1. A\x00B\n", "line 3"),
        (
            "aif",
            b'{"nodes": [{"nodeID": "1", "type": "I", "text": "a\\u0000b"}], '
            b'"edges": []}',
            "claim '1'",
        ),
        (
            "aif",
            b'{"nodes": [{"nodeID": "1", "type": "I", "text": "a\\ud800b"}], '
            b'"edges": []}',
            "claim '1'",
        ),
        ("argdown", b"[A]: \xff\xfe\n", "line 1"),
    ],
)
def test_api_import_text_a_database_cannot_keep_is_400(db, format, content, location):
    upload = SimpleUploadedFile("f", content)
    response = client_for(UserFactory()).post(
        reverse("api-debate-import"), {"format": format, "file": upload}
    )
    assert response.status_code == 400
    assert response.json()["location"] == location
    assert Debate.objects.count() == 0


def test_annotations_import_with_a_nul_is_400(db):
    owner = UserFactory()
    debate = DebateFactory(owner=owner)
    upload = SimpleUploadedFile(
        "a.jsonld", b'[{"type": "Annotation", "bodyValue": "\\u0000"}]'
    )
    response = client_for(owner).post(
        reverse("api-debate-annotations-import", kwargs={"slug": debate.slug}),
        {"file": upload},
    )
    assert response.status_code == 400
    assert response.json() == {
        "location": "$",
        "reason": "the file contains a NUL character",
    }


def test_csv_shows_pseudonyms_and_tallies_but_not_in_anonymous_debates(db):
    from deliberation.models import Membership, Vote

    owner, author, voter = UserFactory(), UserFactory(), UserFactory()
    debate = DebateFactory(owner=owner)
    Membership.objects.create(debate=debate, user=author, pseudonym="Blue Heron")
    thesis = make_claim(debate, text="=SUM(A1) is not a formula here.", author=author)
    pro = make_claim(debate, parent=thesis, text="A pro.", author=owner)
    make_claim(debate, parent=thesis, stance="con", link_to=pro)
    Vote.objects.create(claim=thesis, user=voter, stance="agree")
    Vote.objects.create(claim=thesis, user=owner, stance="disagree")
    url = reverse("api-debate-export", kwargs={"slug": debate.slug}) + "?format=csv"
    lines = client_for(None).get(url).getvalue().decode().splitlines()
    assert lines[1:] == [
        "1,thesis,'=SUM(A1) is not a formula here.,Blue Heron,,1,1,0,0,",
        f"1.1,pro,A pro.,{owner.username},,0,0,0,0,",
        "1.2,con,A pro.,,1.1,0,0,0,0,",
    ]
    debate.anonymity = True
    debate.save()
    Membership.objects.filter(user=author).update(animal_name="Calm Otter")
    lines = client_for(None).get(url).getvalue().decode().splitlines()
    # Generated names only (the owner has none); a link claim has no author.
    assert [line.split(",")[3] for line in lines[1:]] == ["Calm Otter", "Anonymous", ""]


def test_cli_annotations_export_and_import_into_a_debate(db, tmp_path):
    owner, other = UserFactory(), UserFactory()
    debate = DebateFactory(owner=owner)
    source = make_source(debate, text="Cameras were installed in 2011.")
    services.annotation_add(
        user=owner, debate=debate, source=source, quote="installed", body="When?"
    )
    target = tmp_path / "a.jsonld"
    call_command(
        "export_debate",
        debate.slug,
        "--format",
        "annotations",
        "-o",
        str(target),
        stderr=StringIO(),
    )
    out = StringIO()
    call_command(
        "import_debate",
        str(target),
        "--format",
        "annotations",
        "--into",
        debate.slug,
        "--owner",
        other.username,
        stdout=out,
        stderr=StringIO(),
    )
    assert out.getvalue().strip().splitlines()[-1] == debate.slug
    copy = Annotation.objects.get(creator=other)
    assert (copy.source, copy.exact, copy.body) == (source, "installed", "When?")


def test_cli_unknown_format_and_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Unknown format 'docx'"):
        call_command("import_debate", "x", "--format", "docx")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_debate", str(tmp_path / "none.txt"), "--format", "kialo")
    with pytest.raises(CommandError, match="No debate 'nope'"):
        call_command("export_debate", "nope", "--format", "kialo")


def test_large_bad_file_fails_in_the_task_and_the_page_says_why(
    db, settings, eager_tasks
):
    settings.INTERCHANGE_INLINE_MAX_BYTES = 10
    user = UserFactory()
    client = client_for(user)
    upload = SimpleUploadedFile("k.txt", b"Discussion Title: T\n\n1. A\n1.1. B\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())
        response = client.post(
            reverse("debate_import"), {"format": "kialo", "file": upload}
        )
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported." in page
    assert "line 4: claim 1.1. needs a Pro: or Con: label" in page
    assert '<meta http-equiv="refresh"' not in page
    assert Debate.objects.count() == 0


def test_annotations_import_page_round_trip_and_bad_file(db, client):
    owner, other = UserFactory(), UserFactory()
    debate = DebateFactory(owner=owner)
    source = make_source(debate, text="Crime fell by a third after cameras came.")
    services.annotation_add(
        user=owner, debate=debate, source=source, quote="fell by a third", body="Key."
    )
    exported = client_for(owner).get(
        reverse(
            "debate_download", kwargs={"slug": debate.slug, "format": "annotations"}
        )
    )
    client.force_login(other)
    url = reverse("annotations_import", kwargs={"slug": debate.slug})
    assert "Import annotations" in client.get(url).content.decode()

    bad = client.post(url, {"file": SimpleUploadedFile("a.jsonld", b'{"items": [1')})
    assert bad.status_code == 400
    assert "Nothing was imported." in bad.content.decode()
    assert not Annotation.objects.filter(creator=other).exists()

    upload = SimpleUploadedFile("a.jsonld", exported.getvalue())
    good = client.post(url, {"file": upload})
    assert good.status_code == 302
    copy = Annotation.objects.get(creator=other)
    assert (copy.exact, copy.body) == ("fell by a third", "Key.")
