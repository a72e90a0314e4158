"""An import's file size is checked once (services.interchange.upload_text)
for pages, the API and the command; an uploaded file past the limit is not
kept while the body is parsed (deliberation/uploads.py)."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from claims.models import Annotation, Claim
from deliberation.models import Debate
from deliberation.uploads import OversizeUpload, UploadLimitHandler
from tests.api.helpers import client_for
from tests.factories import DebateFactory, UserFactory, make_source

LIMIT = 100
KIALO = (
    "Discussion Title: Should towns add cameras?\n\n"
    "1. Should towns add cameras?\n"
    "1.1. Pro: Fewer crimes.\n"
)
REFUSED = "the file has 1,000 bytes; the limit is 100 bytes"


@pytest.fixture
def limit(settings):
    settings.INTERCHANGE_IMPORT_MAX_BYTES = LIMIT
    return LIMIT


def _big(name="big.txt"):
    return SimpleUploadedFile(name, b"x" * 1000)


def test_api_import_past_the_limit_is_400_in_the_format_error_shape(db, limit):
    response = client_for(UserFactory()).post(
        reverse("api-debate-import"), {"format": "kialo", "file": _big()}
    )
    assert response.status_code == 400
    assert response.json() == {"location": "file", "reason": REFUSED}
    assert (Debate.objects.count(), Claim.objects.count()) == (0, 0)


def test_api_annotations_import_past_the_limit_is_400(db, limit):
    owner = UserFactory()
    debate = DebateFactory(owner=owner)
    make_source(debate)
    response = client_for(owner).post(
        reverse("api-debate-annotations-import", kwargs={"slug": debate.slug}),
        {"file": _big("a.jsonld")},
    )
    assert response.status_code == 400
    assert response.json() == {"location": "file", "reason": REFUSED}
    assert Annotation.objects.count() == 0


def test_a_file_of_exactly_the_limit_is_taken_and_one_byte_more_is_not(db, settings):
    data = KIALO.encode()
    user = UserFactory()
    settings.INTERCHANGE_IMPORT_MAX_BYTES = len(data) - 1
    refused = client_for(user).post(
        reverse("api-debate-import"),
        {"format": "kialo", "file": SimpleUploadedFile("k.txt", data)},
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "location": "file",
        "reason": f"the file has {len(data)} bytes; the limit is {len(data) - 1} bytes",
    }
    assert Debate.objects.count() == 0

    settings.INTERCHANGE_IMPORT_MAX_BYTES = len(data)
    taken = client_for(user).post(
        reverse("api-debate-import"),
        {"format": "kialo", "file": SimpleUploadedFile("k.txt", data)},
    )
    assert taken.status_code == 201
    assert taken.json()["claims"] == 2


def test_upload_page_past_the_limit_says_why_and_imports_nothing(db, limit):
    response = client_for(UserFactory()).post(
        reverse("debate_import"), {"format": "kialo", "file": _big()}
    )
    assert response.status_code == 400
    assert f"At file: {REFUSED}" in response.content.decode()
    assert Debate.objects.count() == 0


def test_annotations_import_page_past_the_limit_says_why(db, limit, client):
    debate = DebateFactory()
    client.force_login(debate.owner)
    response = client.post(
        reverse("annotations_import", kwargs={"slug": debate.slug}),
        {"file": _big("a.jsonld")},
    )
    assert response.status_code == 400
    assert f"At file: {REFUSED}" in response.content.decode()
    assert Annotation.objects.count() == 0


def test_the_command_refuses_a_file_past_the_limit(db, limit, tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 1000)
    with pytest.raises(CommandError) as caught:
        call_command("import_debate", str(path), "--format", "kialo")
    assert str(caught.value) == f"{path}: file: {REFUSED}"
    assert Debate.objects.count() == 0


# --- The handler ---------------------------------------------------------------


class _Recording(FileUploadHandler):
    """Stands for Django's handlers: keeps what it is given, per field."""

    received: dict[str, int]

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.received = getattr(self, "received", {})

    def receive_data_chunk(self, raw_data, start):
        self.file.write(raw_data)
        self.received[self.field_name] = start + len(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(
            self.file, self.field_name, self.file_name, "", file_size, None
        )


def _parsed(files: dict, *, chunk: int = 16):
    """The request's files as the handlers make them, in chunks of ``chunk``
    bytes, and what the handler after ours was given."""
    request = RequestFactory().post("/", {"format": "kialo", **files})
    recording = _Recording(request)
    recording.chunk_size = chunk
    ours = UploadLimitHandler(request)
    ours.chunk_size = chunk
    request.upload_handlers = [ours, recording]
    return request.POST, request.FILES, getattr(recording, "received", {})


def test_a_file_past_the_limit_is_not_kept(settings):
    settings.INTERCHANGE_IMPORT_MAX_BYTES = 2000
    post, files, received = _parsed(
        {
            "file": SimpleUploadedFile("big.txt", b"y" * 5000),
            "small": SimpleUploadedFile("s.txt", b"z" * 2000),
        }
    )
    big, small = files["file"], files["small"]
    assert isinstance(big, OversizeUpload)
    assert (big.name, big.size) == ("big.txt", 5000)
    with pytest.raises(ValueError, match="larger than the upload limit"):
        big.read()
    # The next handler was given the big file's chunks up to the limit only.
    assert 1000 < received["file"] <= 2000
    # Each file is counted on its own: one of exactly the limit is kept whole.
    assert not isinstance(small, OversizeUpload)
    assert small.read() == b"z" * 2000
    assert post["format"] == "kialo"


def test_files_within_the_limit_pass_through_untouched(limit):
    _, files, received = _parsed({"file": SimpleUploadedFile("k.txt", b"k" * 99)})
    assert files["file"].read() == b"k" * 99
    assert received == {"file": 99}
