"""Discovery pages' addresses, under the `offers` namespace that templates reverse."""

from django.urls import path

from . import favourite_views, ranking_views
from . import offer_views as views

app_name = "offers"

urlpatterns = [
    path("", views.home, name="home"),
    path("city/", views.choose_city, name="city"),
    path("deals/", views.offer_list, name="list"),
    path("nearby/", views.nearby, name="nearby"),
    path("c/<slug:slug>/", views.offer_list, name="category"),
    path("deals/<int:pk>/", views.offer_detail, name="detail"),
    path("deals/<int:pk>/favourite/", views.favourite, name="favourite"),
    path("deals/<int:pk>/remind/", views.remind, name="remind"),
    path("m/<slug:slug>/", views.merchant_page, name="merchant"),
    path("m/<slug:slug>/favourite/", views.merchant_favourite, name="merchant_favourite"),
    path("rankings/", ranking_views.rankings_home, name="rankings"),
    path("rankings/<slug:kind>/", ranking_views.ranking_detail, name="ranking"),
    path("me/favourites/", favourite_views.favourites, name="favourites"),
    path(
        "me/favourites/<int:pk>/remove/",
        favourite_views.favourite_remove,
        name="favourite_remove",
    ),
]
