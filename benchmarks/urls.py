"""The load benchmarks' addresses, under /bench/ (mounted by o2o.urls only
while BENCHMARK_VIEWS is on)."""

from django.urls import path

from .views import ApiFloor, catalogue_upper_bound, ceiling, redemption_upper_bound

urlpatterns = [
    path("ceiling/", ceiling, name="bench-ceiling"),
    path("api-floor/", ApiFloor.as_view(), name="bench-api-floor"),
    path("redemption-upper-bound/", redemption_upper_bound),
    path("catalogue-upper-bound/", catalogue_upper_bound),
]
