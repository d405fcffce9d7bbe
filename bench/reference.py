"""Reference views: the floor a Django view on the same stack pays for one INSERT or one SELECT by key.

They go through the same middleware, the same persistent connection and the same JSON rendering as
the API, so the ratios printed by bench/api.py measure what the API adds on top of one statement.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_ref"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "id bigserial PRIMARY KEY, label varchar(64) NOT NULL, amount bigint NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
def insert_one(request: HttpRequest) -> JsonResponse:
    label = request.POST.get("label", "") or request.GET.get("label", "")
    amount = int(request.POST.get("amount", "0") or 0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (label, amount) VALUES (%s, %s) RETURNING id",  # noqa: S608
            [label[:64], amount],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id, "label": label})


@csrf_exempt
def select_one(request: HttpRequest) -> JsonResponse:
    try:
        row_id = int(request.POST.get("id", "") or request.GET.get("id", ""))
    except ValueError:
        return JsonResponse({"error": "id"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, label, amount, created_at FROM {TABLE} WHERE id = %s",  # noqa: S608
            [row_id],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse({"id": row[0], "label": row[1], "amount": row[2], "created": row[3].isoformat()})
