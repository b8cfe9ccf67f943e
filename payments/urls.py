from django.urls import URLPattern, path

from . import views
from .gateways import is_test_mode

app_name = "payments"

urlpatterns: list[URLPattern] = [
    path("stripe/<uuid:key>/", views.stripe_pay, name="stripe_pay"),
    path("stripe/<uuid:key>/return/", views.stripe_return, name="stripe_return"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("<uuid:key>/status/", views.payment_status, name="status"),
]
# The development gateway's page "pays" without money: mounted only while it
# is the configured gateway, which production settings never are by default.
if is_test_mode():
    urlpatterns.append(path("dev/<uuid:key>/", views.dev_pay, name="dev_pay"))
