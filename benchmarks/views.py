"""Views for the load benchmarks, routed only when BENCHMARK_VIEWS is on: the
ceiling (a bare view rendering 20 rows from the same database on the same
server), the API floor and the redemption's upper bound.

Not product code: the upper bound calls orders' private functions on purpose."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from merchants.selectors import default_city
from o2o.errors import DomainError
from o2o.paging import OneQueryPaginator
from offers import selectors as offer_selectors
from offers.cards import cards
from offers.models import Offer
from orders import services

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


_USER_BY_TOKEN: dict[str, int] = {}


@csrf_exempt
@require_POST
def redemption_upper_bound(request: HttpRequest) -> HttpResponse:
    """What a redemption costs with nothing around its statement: how far
    leaving DRF and the token's cache could take the redemption's figures.

    The same service and answer as POST /api/v1/redemptions/
    (orders.services.voucher_redeem), in a plain Django view, with the token's
    user kept in this process for good: never invalidated, so a revoked token
    would keep working, which is why the product does not do this.
    Measured by `BENCH_UPPER_BOUND=1 make bench` (benchmarks/README.md).
    """
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    user_id = _USER_BY_TOKEN.get(key)
    if user_id is None:
        found = Token.objects.filter(key=key).values_list("user_id", flat=True).first()
        if found is None:
            return JsonResponse({"code": "not_authenticated"}, status=401)
        user_id = _USER_BY_TOKEN[key] = found
    body = json.loads(request.body)
    store_id = int(body["store"])
    try:
        redemption = services.voucher_redeem(
            code=str(body["code"]), store_id=store_id, by=User(pk=user_id)
        )
    except DomainError as err:
        return JsonResponse({"code": err.code, "detail": str(err)}, status=err.status)
    voucher = redemption.voucher
    return JsonResponse(
        {
            "id": redemption.pk,
            "voucher": voucher.pk,
            "store": store_id,
            "offer": voucher.offer_id,
            "offer_title": voucher.offer.title,
            "uses_left": voucher.uses_left,
            "voucher_status": voucher.status,
            "created_at": redemption.created_at.isoformat(),
            "undone_at": None,
        },
        status=201,
    )


GRID = engines["django"].from_string(
    "<!doctype html><title>deals</title><p>{{ count }} deals</p>"
    "{% for card in cards %}<div>{{ card }}</div>{% endfor %}"
)


def catalogue_upper_bound(request: HttpRequest) -> HttpResponse:
    """A varied list with nothing around its query: how fast the deal list
    could be for any design that asks the database per request.

    The same filters and sorts (offers.selectors.offer_list), its one query
    with the count (o2o.paging), the same kept cards (offers.cards) and
    nothing else: no header, menus or filter form, no page cache, no
    session or messages. Not the product: a page without them is not a page
    anyone would ship. Measured beside the ceiling by `make bench`.
    """
    offer_filter = offer_selectors.offer_list(params=request.GET, city=default_city())
    if not offer_filter.is_valid():
        return HttpResponse(status=400)
    page = OneQueryPaginator(offer_filter.qs, 20).get_page(request.GET.get("page"))
    return HttpResponse(
        GRID.render({"cards": cards(list(page.object_list)), "count": page.paginator.count})
    )
