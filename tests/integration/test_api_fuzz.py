"""API fuzzing: schemathesis against the app served by daphne, as anonymous,
participant and moderator. No answer may be a 5xx, and every answer must be
one the OpenAPI schema describes (status code, content type, headers, body).

Bounded: a few generated requests per operation and role (SCHEMATHESIS_MAX_EXAMPLES,
3 by default), about 15 s per role. Failures print schemathesis' report with a
curl line to reproduce each.
"""

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from claims.services import citation_create
from deliberation import services
from deliberation.models import Membership
from tests.factories import (
    DebateFactory,
    MembershipFactory,
    make_claim,
    make_source,
)
from tests.integration.processes import app_env, serve

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
ST = str(Path(sys.executable).with_name("st"))
NO_LIMITS = "100000/m"


@pytest.fixture(scope="module")
def fuzzed_server(django_db_setup, tmp_path_factory):
    """daphne on the test database, with rate limits out of the way (the
    fuzzer writes much faster than a person)."""
    env = app_env(
        **{
            f"RATE_LIMIT_{scope.upper()}": NO_LIMITS
            for scope in settings.RATE_LIMIT_SCOPES
        }
    )
    with ExitStack() as stack:
        yield serve(stack, env, tmp_path_factory.mktemp("fuzz") / "daphne.log")


@pytest.fixture
def seeded():
    """Something to find behind every kind of id: a debate with a thesis, a
    pro, a source, a citation, an annotation, a comment and a flag."""
    debate = DebateFactory(slug="fuzzed")
    participant = MembershipFactory(debate=debate).user
    moderator = MembershipFactory(debate=debate, role=Membership.Role.MODERATOR).user
    thesis = make_claim(debate, text="Cameras make streets safer.")
    pro = make_claim(debate, parent=thesis, stance="pro", text="Crime fell.")
    source = make_source(debate, text="Arrests rose by a fifth in a month.")
    citation = citation_create(claim=pro, source=source, quote="Arrests rose")
    annotation = services.annotation_add(
        user=participant, debate=debate, source=source, quote="a fifth"
    )
    comment = services.comment_add(user=participant, claim=pro, body="Which month?")
    flag = services.flag_create(user=moderator, item=comment, reason="off_topic")
    ids = [
        thesis.pk,
        pro.pk,
        source.pk,
        citation.pk,
        annotation.pk,
        comment.pk,
        flag.pk,
        Membership.objects.get(user=participant).pk,
    ]
    return {
        "ids": ids,
        "slug": debate.slug,
        "participant": Token.objects.create(user=participant).key,
        "moderator": Token.objects.create(user=moderator).key,
    }


def config(tmp_path: Path, seeded: dict) -> Path:
    """Ids and the slug that exist, offered most of the time, so requests
    get past 404 to the code behind it."""
    path = tmp_path / "schemathesis.toml"
    path.write_text(
        f"""
[dictionaries.ids]
values = {json.dumps(seeded["ids"])}

[dictionaries.slugs]
values = {json.dumps([seeded["slug"]])}

[parameters]
"path.id" = {{ dictionary = "ids", probability = 0.7 }}
"path.slug" = {{ dictionary = "slugs", probability = 0.7 }}
"""
    )
    return path


@pytest.mark.parametrize("role", ["anonymous", "participant", "moderator"])
def test_the_api_answers_every_generated_request_as_documented(
    fuzzed_server, seeded, role, tmp_path
):
    headers = (
        [] if role == "anonymous" else ["-H", f"Authorization: Token {seeded[role]}"]
    )
    run = subprocess.run(
        [ST, "--config-file", str(config(tmp_path, seeded)), "run"]
        + [f"{fuzzed_server}/api/v1/schema/", "--checks", CHECKS]
        + ["--phases", "examples,fuzzing", "--max-examples", MAX_EXAMPLES]
        + ["--workers", "1", "--request-timeout", "20", "--seed", "1"]
        + ["--warnings", "off", *headers],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    report = run.stdout[-12000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert " passed" in run.stdout and "failed" not in run.stdout.split("SUMMARY")[-1]
