from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("dev/<uuid:key>/", views.dev_pay, name="dev_pay"),
    path("stripe/<uuid:key>/", views.stripe_pay, name="stripe_pay"),
    path("stripe/<uuid:key>/return/", views.stripe_return, name="stripe_return"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
