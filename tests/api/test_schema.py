from io import StringIO

from django.core.management import call_command


def test_openapi_schema_validates_without_warnings(tmp_path):
    out = StringIO()
    target = tmp_path / "schema.yaml"

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=out
    )

    schema = target.read_text()
    assert "/api/v1/claims/{id}/" in schema
    assert "/api/v1/debates/{slug}/tree/" in schema
    assert "/api/v1/flags/" in schema
    assert "/api/v1/claims/{id}/moderate/" in schema
    assert "/api/v1/debates/{slug}/moderation-log/" in schema
