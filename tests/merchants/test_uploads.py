"""A merchant uploads deal photos: limits refused with clear form errors and
nothing saved; what is kept is a bounded, upright copy without EXIF."""

import pytest
from django.urls import reverse
from PIL import ImageFile

from offers.models import Offer, OfferImage

from ..images import (
    camera_photo,
    gif,
    hundred_megapixel_png,
    noisy_jpeg,
    scene,
    stored,
    stored_names,
    text_named_jpg,
    truncated_jpeg,
    upload,
)
from .test_views import offer_data

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def new_offer(client, store, **files):
    return client.post(reverse("merchants:offer_new"), offer_data(store, **files))


def plain(text):
    """Sizes are written with a no-break space between number and unit."""
    return text.replace("\xa0", " ")


def field_errors(response, name):
    return [plain(str(error)) for error in response.context["form"].errors.get(name, [])]


@pytest.fixture
def merchant_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def nothing_is_saved(db):
    """The test's upload must leave no offer, no photo row and no stored file."""
    offers, photos, files = Offer.objects.count(), OfferImage.objects.count(), stored_names()
    yield
    assert Offer.objects.count() == offers
    assert OfferImage.objects.count() == photos
    assert stored_names() == files


# --- refused ------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_by_its_size(
    merchant_client, store, settings, nothing_is_saved
):
    settings.IMAGE_UPLOAD_MAX_BYTES = 20_000  # instead of sending 10 MB
    photo = noisy_jpeg(300, 300)
    assert photo.size > 20_000
    response = new_offer(merchant_client, store, image=photo)
    assert response.status_code == 400
    assert field_errors(response, "image") == [
        f"This file is {photo.size / 1024:.1f} KB; a photo may be at most 19.5 KB."
    ]


def test_a_100_megapixel_png_is_refused_from_its_header_without_decoding(
    merchant_client, store, monkeypatch, nothing_is_saved
):
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda image: decoded.append(image.size) or real_load(image)
    )
    response = new_offer(merchant_client, store, image=hundred_megapixel_png())
    assert response.status_code == 400
    assert field_errors(response, "image") == [
        "This photo has more than 40 megapixels. Upload a smaller one."
    ]
    assert (10_000, 10_000) not in decoded


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (text_named_jpg, "This file is not a photo in JPEG, PNG or WebP format."),
        (gif, "This file is not a photo in JPEG, PNG or WebP format."),
        (truncated_jpeg, "This photo could not be read: the file is damaged or incomplete."),
    ],
    ids=["text-renamed-jpg", "gif", "truncated-jpeg"],
)
def test_what_is_not_a_whole_jpeg_png_or_webp_is_refused(
    merchant_client, store, make, error, nothing_is_saved
):
    response = new_offer(merchant_client, store, image=make())
    assert response.status_code == 400
    assert field_errors(response, "image") == [error]


def test_each_refused_gallery_photo_is_named_and_none_is_kept(
    merchant_client, store, nothing_is_saved
):
    response = new_offer(
        merchant_client,
        store,
        image=camera_photo(800, 600),
        gallery=[
            upload(scene(300, 200), "fine.jpg"),
            text_named_jpg("menu.jpg"),
            hundred_megapixel_png("wall.png"),
        ],
    )
    assert response.status_code == 400
    assert field_errors(response, "gallery") == [
        "menu.jpg: This file is not a photo in JPEG, PNG or WebP format.",
        "wall.png: This photo has more than 40 megapixels. Upload a smaller one.",
    ]


def test_a_refused_photo_leaves_an_edited_offer_as_it_was(merchant_client, store):
    new_offer(merchant_client, store, image=upload(scene(640, 480), "cover.jpg"))
    offer = Offer.objects.get(title="New spa day")
    cover = offer.image.name
    response = merchant_client.post(
        reverse("merchants:offer_edit", args=[offer.pk]),
        offer_data(store, title="Changed", image=hundred_megapixel_png()),
    )
    assert response.status_code == 400
    offer.refresh_from_db()
    assert (offer.title, offer.image.name) == ("New spa day", cover)


def test_the_form_tells_the_limits_before_anything_is_sent(merchant_client):
    body = plain(merchant_client.get(reverse("merchants:offer_new")).content.decode())
    assert body.count("JPEG, PNG or WebP, at most 10.0 MB and 40 megapixels.") == 2
    assert 'accept="image/jpeg,image/png,image/webp"' in body


# --- stored -------------------------------------------------------------------


def test_a_big_photo_is_stored_bounded_upright_and_without_its_exif(merchant_client, store):
    response = new_offer(
        merchant_client, store, image=camera_photo(), gallery=[camera_photo(name="more.jpg")]
    )
    assert response.status_code == 302
    offer = Offer.objects.get(title="New spa day")
    for fieldfile in (offer.image, offer.images.get().image):
        image = stored(fieldfile)
        assert image.format == "JPEG"
        assert image.size == (1200, 1600)  # 4000 × 3000 turned upright, longest side 1600
        assert not image.getexif()  # neither the orientation nor the GPS position
        assert "comment" not in image.info
        assert fieldfile.size < 1 * MB


def test_saving_the_form_again_keeps_the_stored_cover(merchant_client, store):
    new_offer(merchant_client, store, image=upload(scene(640, 480), "cover.jpg"))
    offer = Offer.objects.get(title="New spa day")
    cover = offer.image.name
    merchant_client.post(
        reverse("merchants:offer_edit", args=[offer.pk]), offer_data(store, title="Renamed")
    )
    offer.refresh_from_db()
    assert (offer.title, offer.image.name) == ("Renamed", cover)  # not decoded and stored again


# --- a 400 MB request ------------------------------------------------------------


class HugeBody:
    """A request body that says it is 400 MB: it fails the test if anything
    reads more than a little of it (the server would be reading 400 MB)."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else min(size, 64 * 1024)
        self.read_bytes += size
        if self.read_bytes > MB:
            raise AssertionError("the server is reading the 400 MB body")
        return b"\0" * size

    def readline(self, size=-1):
        return self.read(size)


def post_huge(client, path):
    body = HugeBody()
    response = client.generic(
        "POST",
        path,
        **{
            "CONTENT_TYPE": "multipart/form-data; boundary=----photo",
            "CONTENT_LENGTH": str(400 * MB),
            "wsgi.input": body,
        },
    )
    return response, body


def test_a_400_mb_post_to_the_offer_form_gets_a_413_before_its_body_is_read(
    merchant_client, nothing_is_saved
):
    response, body = post_huge(merchant_client, reverse("merchants:offer_new"))
    assert response.status_code == 413
    assert body.read_bytes == 0
    page = plain(response.content.decode())
    assert "This upload is 400.0 MB; at most 100.0 MB can be sent at once." in page
    assert "Each photo may be at most 10.0 MB." in page


def test_a_400_mb_api_request_gets_a_413_with_a_stable_code(client, consumer):
    client.force_login(consumer)
    response, body = post_huge(client, "/api/v1/orders/")
    assert response.status_code == 413
    assert body.read_bytes == 0
    refusal = response.json()
    assert refusal["code"] == "request_too_large"
    assert plain(refusal["detail"]) == (
        "This upload is 400.0 MB; at most 100.0 MB can be sent at once. "
        "Send fewer or smaller photos."
    )
