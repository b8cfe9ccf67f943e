"""Buying and voucher pages' addresses, under the `orders` namespace that templates
reverse."""

from django.urls import path

from . import coupon_views
from . import order_views as views

app_name = "orders"

urlpatterns = [
    path("deals/<int:pk>/buy/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/pay/", views.order_pay, name="pay"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("me/vouchers/", views.voucher_list, name="vouchers"),
    path("me/coupons/", coupon_views.coupon_list, name="coupons"),
    path("me/invite/", coupon_views.invite, name="invite"),
    path("coupons/", coupon_views.coupon_centre, name="coupon_centre"),
    path("coupons/<int:pk>/", coupon_views.campaign_page, name="campaign"),
    path("coupons/<int:pk>/claim/", coupon_views.coupon_claim, name="coupon_claim"),
    path("me/vouchers/<int:pk>/qr.svg", views.voucher_qr, name="voucher_qr"),
    path("me/vouchers/<int:pk>/refund/", views.voucher_refund, name="voucher_refund"),
    path("me/vouchers/<int:pk>/review/", views.voucher_review, name="review"),
]
