from django.http import HttpResponse
from django.urls import path

app_name = "merchants"

# Placeholders until the dashboard lands.
urlpatterns: list = [
    path("", lambda request: HttpResponse("dashboard"), name="dashboard"),
    path("apply/", lambda request: HttpResponse("apply"), name="apply"),
    path("offers/<int:pk>/edit/", lambda request, pk: HttpResponse("edit"), name="offer_edit"),
]
