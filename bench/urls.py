"""The app's URLs plus ``POST /bench/insert/``: the baseline of bench/votes.py.

The baseline goes through the same middleware and the same DRF token
authentication as the vote endpoint, then does one INSERT into a table the
benchmark made with raw SQL; the ratio of the two is the price of voting
itself (permission rules, membership, upsert, tally, live event)."""

from django.db import connection
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

TABLE = "bench_insert"
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    stance varchar(8) NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
)"""


class BareInsertView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (user_id, stance) VALUES (%s, %s)",
                [request.user.pk, str(request.data.get("stance", ""))[:8]],
            )
        return Response({"ok": True})


urlpatterns = [
    path("bench/insert/", BareInsertView.as_view()),
    path("", include("config.urls")),
]
