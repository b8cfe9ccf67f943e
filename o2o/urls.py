"""Root URLs: consumer pages, merchant dashboard, moderation, API, admin."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from o2o import health

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The API before the catch-all "" includes: a cashier's app calls it all
    # day, and resolving walks the patterns in order.
    path("api/", include("api.urls")),
    path("", include("storefront.seo_urls")),  # robots.txt, sitemap.xml
    path("", include("storefront.offer_urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("storefront.order_urls")),
    path("payments/", include("payments.urls")),
    path("merchant/", include("dashboard.urls")),
    path("moderation/", include("moderation.urls")),
    path("notifications/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.BENCHMARK_VIEWS:  # the load benchmarks' views (benchmarks/README.md)
    # First, so that the ceiling is as cheap as it can be.
    urlpatterns.insert(0, path("bench/", include("benchmarks.urls")))
if settings.DEBUG or settings.SERVE_MEDIA:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    if not settings.DEBUG:
        from django.urls import re_path
        from django.views.static import serve

        urlpatterns += [
            re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
        ]
