"""An admin changing a deal's photos in /admin/ meets the same limits and
gets the same bounded copies as a merchant."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from offers.models import OfferImage

from ..images import camera_photo, hundred_megapixel_png, stored

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """What a browser would send for the page's main form, as it stands."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        name = attr.get("name")
        if tag == "input" and name and attr.get("type") not in ("file", "submit", "button"):
            if attr.get("type") in ("checkbox", "radio") and "checked" not in attr:
                return
            self.data.setdefault(name, []).append(attr.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attr:
            self.data[self._select].append(attr.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the newline that follows <textarea>.
            text = self.data[self._textarea]
            text[0] = text[0].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def change_form(client, offer):
    url = reverse("admin:offers_offer_change", args=[offer.pk])
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    data = {k: v if len(v) > 1 else (v[0] if v else "") for k, v in parser.data.items()}
    return url, data


def add_gallery_photo(data, photo):
    """What the inline's "Add another image" fills in."""
    return {**data, "images-TOTAL_FORMS": "1", "images-0-image": photo, "images-0-position": "0"}


def test_admin_cannot_add_a_100_megapixel_photo(client, admin_user, offer):
    client.force_login(admin_user)
    url, data = change_form(client, offer)
    response = client.post(url, add_gallery_photo(data, hundred_megapixel_png()))
    assert response.status_code == 200  # the form again, with the error
    assert "This photo has more than 40 megapixels." in response.content.decode()
    assert not OfferImage.objects.filter(offer=offer).exists()


def test_admin_adds_a_photo_stored_bounded(client, admin_user, offer):
    client.force_login(admin_user)
    url, data = change_form(client, offer)
    response = client.post(url, add_gallery_photo(data, camera_photo()))
    assert response.status_code == 302
    assert stored(offer.images.get().image).size == (1200, 1600)
