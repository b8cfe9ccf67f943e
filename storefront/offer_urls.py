"""Discovery pages' addresses, under the `offers` namespace that templates reverse."""

from django.urls import path

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
    path("m/<slug:slug>/", views.merchant_page, name="merchant"),
]
