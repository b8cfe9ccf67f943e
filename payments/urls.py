from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("dev/<uuid:key>/", views.dev_pay, name="dev_pay"),
]
