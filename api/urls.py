"""API v1 routes and the OpenAPI schema and docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from o2o.api import not_found

from .accounts import MeApi, RegisterApi, TokenApi
from .coupons import CampaignClaimApi, CampaignListApi, CouponListApi, ReferralsApi
from .favourites import FavouriteDeleteApi, FavouriteListCreateApi
from .offers import OfferDetailApi, OfferListApi, OfferRemindApi
from .orders import (
    OrderDetailApi,
    OrderListCreateApi,
    OrderPayApi,
    RedemptionCreateApi,
    RedemptionUndoApi,
    VoucherListApi,
    VoucherRefundApi,
)
from .places import BusinessAreaListApi, CategoryListApi, CityListApi, DistrictListApi
from .rankings import RankingApi
from .reviews import ReviewCreateApi
from .search import SearchSuggestApi


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's Content-Security-Policy: its start-up script
    is fetched from this URL (`?script`) instead of sitting inline in the page,
    and the page's own style comes from a file."""

    template_name = "api/swagger_ui.html"


v1 = [
    path("auth/register/", RegisterApi.as_view(), name="register"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("me/", MeApi.as_view(), name="me"),
    path("offers/", OfferListApi.as_view(), name="offers"),
    path("offers/<int:pk>/", OfferDetailApi.as_view(), name="offer"),
    path("offers/<int:pk>/remind/", OfferRemindApi.as_view(), name="offer-remind"),
    path("orders/", OrderListCreateApi.as_view(), name="orders"),
    path("orders/<int:pk>/", OrderDetailApi.as_view(), name="order"),
    path("orders/<int:pk>/pay/", OrderPayApi.as_view(), name="order-pay"),
    path("vouchers/", VoucherListApi.as_view(), name="vouchers"),
    path("vouchers/<int:pk>/refund/", VoucherRefundApi.as_view(), name="voucher-refund"),
    path("redemptions/", RedemptionCreateApi.as_view(), name="redemptions"),
    path("redemptions/<int:pk>/undo/", RedemptionUndoApi.as_view(), name="redemption-undo"),
    path("reviews/", ReviewCreateApi.as_view(), name="reviews"),
    path("rankings/", RankingApi.as_view(), name="rankings"),
    path("coupons/", CouponListApi.as_view(), name="coupons"),
    path("referrals/", ReferralsApi.as_view(), name="referrals"),
    path("coupon-campaigns/", CampaignListApi.as_view(), name="coupon-campaigns"),
    path(
        "coupon-campaigns/<int:pk>/claim/", CampaignClaimApi.as_view(), name="coupon-campaign-claim"
    ),
    path("favourites/", FavouriteListCreateApi.as_view(), name="favourites"),
    path("favourites/<int:pk>/", FavouriteDeleteApi.as_view(), name="favourite"),
    path("cities/", CityListApi.as_view(), name="cities"),
    path("categories/", CategoryListApi.as_view(), name="categories"),
    path("districts/", DistrictListApi.as_view(), name="districts"),
    path("business-areas/", BusinessAreaListApi.as_view(), name="business-areas"),
    path("search/suggest/", SearchSuggestApi.as_view(), name="search-suggest"),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    # Last: any other path under /api/ is the API's JSON 404, not a page.
    re_path(r"", not_found, name="api-not-found"),
]
