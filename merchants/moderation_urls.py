from django.http import HttpResponse
from django.urls import path

app_name = "moderation"

# Placeholder until the moderation queue lands.
urlpatterns: list = [path("", lambda request: HttpResponse("queue"), name="queue")]
