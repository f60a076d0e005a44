"""URLconf of the benchmark server (rush_settings): the project's URLs plus the ceiling view.

The ceiling is what the same stack (gunicorn, the whole middleware list, session login, CSRF,
PostgreSQL) serves when a signed-in POST does nothing but one INSERT: the most a bid POST could
reach. Mounted only here, never in config/urls.py.
"""

from django.db import connection
from django.http import HttpResponseForbidden, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns

CEILING_TABLE = "bench_rush_ceiling"


class ArrivalEchoMiddleware:
    """Return request.arrived_at (ArrivalTimeMiddleware) in the X-Arrived-At header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Arrived-At"] = request.arrived_at.isoformat()
        return response


@require_POST
def ceiling(request):
    """Insert one row for the signed-in user and answer 201 with its id."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {CEILING_TABLE} (user_id, arrived_at) VALUES (%s, %s) "
                       "RETURNING id", [request.user.pk, request.arrived_at])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/ceiling/", ceiling), *project_urlpatterns]
