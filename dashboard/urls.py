"""The merchant dashboard's addresses, under the `merchants` namespace that
templates reverse."""

from django.urls import path

from . import views

app_name = "merchants"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch_merchant, name="switch"),
    path("apply/", views.apply, name="apply"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_new, name="offer_new"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/submit/", views.offer_submit, name="offer_submit"),
    path("offers/<int:pk>/pause/", views.offer_pause, name="offer_pause"),
    path("offers/<int:pk>/resume/", views.offer_resume, name="offer_resume"),
    path("stores/", views.store_list, name="stores"),
    path("stores/new/", views.store_form, name="store_new"),
    path("stores/<int:pk>/edit/", views.store_form, name="store_edit"),
    path("redeem/", views.redeem, name="redeem"),
    path("redemptions/", views.redemption_list, name="redemptions"),
    path("redemptions/<int:pk>/undo/", views.redemption_undo, name="redemption_undo"),
    path("orders/", views.order_list, name="orders"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/<int:pk>.csv", views.statement_csv, name="statement_csv"),
    path("reviews/", views.review_list, name="reviews"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/pause/", views.campaign_pause, name="campaign_pause"),
    path("campaigns/<int:pk>/resume/", views.campaign_resume, name="campaign_resume"),
    path("campaigns/<int:pk>/stop/", views.campaign_stop, name="campaign_stop"),
    path("reviews/<int:pk>/reply/", views.review_reply, name="review_reply"),
]
