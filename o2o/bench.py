"""The ceiling for load benchmarks: a bare view rendering 20 rows from the
same database on the same server. Routed only when BENCHMARK_VIEWS is on."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from offers.models import Offer

TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>ceiling</title><ul>"
    "{% for id, title, price in rows %}<li>{{ id }} {{ title }} {{ price }}</li>{% endfor %}</ul>"
)


def ceiling(request: HttpRequest) -> HttpResponse:
    rows = list(Offer.objects.order_by("pk").values_list("pk", "title", "price")[:20])
    return HttpResponse(TEMPLATE.render({"rows": rows}))


class ApiFloor(APIView):
    """The cheapest authenticated API write: DRF, the token, a JSON body, and
    nothing done. What a redemption costs beyond it is its own work."""

    permission_classes = (IsAuthenticated,)

    def post(self, request: Request) -> Response:
        return Response({"ok": True}, status=201)
