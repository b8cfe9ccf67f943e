"""The moderation queue's addresses, under the `moderation` namespace."""

from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("merchants/<int:pk>/", views.merchant_decide, name="merchant_decide"),
    path("offers/<int:pk>/", views.offer_decide, name="offer_decide"),
    path("reviews/<int:pk>/", views.review_decide, name="review_decide"),
]
