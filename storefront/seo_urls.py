"""robots.txt and the sitemaps, at the site's root where crawlers look."""

from django.urls import path

from . import seo

app_name = "seo"

urlpatterns = [
    path("robots.txt", seo.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        seo.sitemap_index,
        {"sitemap_url_name": "seo:sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<slug:section>.xml", seo.sitemap_section, name="sitemap-section"),
]
