"""Offer photos through the services and the model: refused before anything
is written, stored as a bounded copy whatever path saves them."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.test.utils import isolate_apps
from django.urls import reverse
from PIL import Image, ImageCms

from o2o.images import BoundedImageField, ImageRejected
from offers import services
from offers.models import Offer, OfferImage

from ..images import (
    camera_photo,
    hundred_megapixel_png,
    noisy_jpeg,
    scene,
    stored,
    stored_names,
    text_named_jpg,
    upload,
)

pytestmark = pytest.mark.django_db


def terms(store, **extra):
    return {
        "category": store.merchant.category,
        "title": "Photo test",
        "price": 10,
        "list_price": 20,
        **extra,
    }


def test_the_service_refuses_a_bad_photo_before_writing_anything(owner, store):
    files = stored_names()
    with pytest.raises(ImageRejected) as refused:
        services.offer_create(
            merchant=store.merchant,
            by=owner,
            stores=[store],
            images=[upload(scene(300, 200), "fine.jpg"), hundred_megapixel_png()],
            **terms(store, image=upload(scene(300, 200), "cover.jpg")),
        )
    assert (refused.value.code, refused.value.status) == ("image_too_many_pixels", 400)
    assert not Offer.objects.filter(title="Photo test").exists()
    assert stored_names() == files


@pytest.mark.parametrize(
    ("make", "code", "status"),
    [
        (lambda: noisy_jpeg(300, 300), "image_too_large", 413),
        (hundred_megapixel_png, "image_too_many_pixels", 400),
        (text_named_jpg, "image_unsupported", 400),
    ],
)
def test_each_refusal_has_a_stable_code(owner, offer, settings, make, code, status):
    settings.IMAGE_UPLOAD_MAX_BYTES = 20_000
    with pytest.raises(ImageRejected) as refused:
        services.offer_add_images(offer=offer, by=owner, images=[make()])
    assert (refused.value.code, refused.value.status) == (code, status)
    assert not offer.images.exists()


def test_a_generated_cover_is_stored_bounded_too(owner, offer, settings):
    settings.IMAGE_STORED_MAX_SIDE = 400
    services.offer_set_image(offer=offer, by=owner, image=camera_photo(1000, 800))
    offer.refresh_from_db()
    assert stored(offer.image).size == (320, 400)


def test_a_photo_saved_outside_the_services_is_stored_bounded(offer):
    """The admin and a shell save the model directly; the field bounds the copy."""
    photo = OfferImage.objects.create(offer=offer, image=camera_photo(name="admin.jpg"))
    image = stored(photo.image)
    assert (image.size, dict(image.getexif())) == ((1200, 1600), {})


def test_a_transparent_png_keeps_its_transparency_as_webp(offer):
    logo = Image.new("RGBA", (2400, 1200), (0, 0, 0, 0))
    logo.paste((214, 51, 108, 255), (600, 300, 1800, 900))
    photo = OfferImage.objects.create(offer=offer, image=upload(logo, "logo.png", fmt="PNG"))
    image = stored(photo.image)
    assert (image.format, image.mode, image.size) == ("WEBP", "RGBA", (1600, 800))
    assert image.getpixel((0, 0))[3] == 0
    assert photo.image.name.endswith(".webp")


def test_an_opaque_png_is_stored_as_a_jpeg(offer):
    photo = OfferImage.objects.create(
        offer=offer, image=upload(scene(500, 400, mode="RGBA"), "shot.png", fmt="PNG")
    )
    assert (stored(photo.image).format, photo.image.name[-4:]) == ("JPEG", ".jpg")


def test_a_colour_profile_is_kept_with_the_pixels_it_describes(offer):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = OfferImage.objects.create(
        offer=offer, image=upload(scene(500, 400), "p3.jpg", icc_profile=profile)
    )
    assert stored(photo.image).info.get("icc_profile") == profile


def test_a_small_photo_is_not_enlarged(offer):
    photo = OfferImage.objects.create(offer=offer, image=upload(scene(320, 200), "small.jpg"))
    assert stored(photo.image).size == (320, 200)


def test_a_refused_photo_saved_on_the_model_raises_and_stores_nothing(offer):
    files = stored_names()
    with pytest.raises(ImageRejected), transaction.atomic():
        OfferImage.objects.create(offer=offer, image=ContentFile(b"<svg/>", name="x.jpg"))
    assert stored_names() == files
    assert not offer.images.exists()


def test_pillow_refuses_a_decompression_bomb_wherever_it_is_opened():
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(hundred_megapixel_png().read()))


# --- smaller copies for cards and thumbnails ----------------------------------------


def test_deal_lists_show_the_covers_card_copy(client, owner, offer):
    services.offer_set_image(offer=offer, by=owner, image=upload(scene(2400, 1800), "hot.jpg"))
    offer.refresh_from_db()
    assert stored(offer.image).size == (1600, 1200)
    assert stored(offer.image_card).size == (800, 600)
    body = client.get(reverse("offers:list")).content.decode()
    assert offer.image_card.url in body
    assert offer.image.url not in body  # 4 times the pixels of what a card shows


def test_the_deal_page_strip_shows_gallery_thumbnails(client, offer):
    photo = OfferImage.objects.create(offer=offer, image=upload(scene(2000, 1000), "room.jpg"))
    assert stored(photo.thumb).size == (320, 160)
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert photo.thumb.url in body
    assert photo.image.url not in body


def test_a_new_cover_gets_a_new_card_and_clearing_it_clears_the_card(owner, offer):
    services.offer_set_image(offer=offer, by=owner, image=upload(scene(1000, 800), "a.jpg"))
    offer.refresh_from_db()
    first = offer.image_card.name
    services.offer_set_image(offer=offer, by=owner, image=upload(scene(900, 900), "b.jpg"))
    offer.refresh_from_db()
    assert offer.image_card.name != first
    assert stored(offer.image_card).size == (800, 800)
    offer.image = None
    offer.save()
    offer.refresh_from_db()
    assert not offer.image_card


def test_a_cover_stored_before_card_copies_existed_is_shown_as_it_is(client, offer):
    name = default_storage.save("offers/legacy.jpg", upload(scene(640, 480), "legacy.jpg"))
    Offer.objects.filter(pk=offer.pk).update(image=name)  # a row from before this change
    body = client.get(reverse("offers:list")).content.decode()
    assert f'src="{default_storage.url(name)}"' in body


def test_a_small_copy_must_name_an_image_field_declared_after_it():
    with isolate_apps("offers"):

        class Misdeclared(models.Model):
            card = models.ImageField(blank=True)
            image = BoundedImageField(small_copy=("card", 100))

            class Meta:
                app_label = "offers"

        errors = Misdeclared._meta.get_field("image").check()
    assert [error.id for error in errors] == ["o2o.E001"]


def test_the_api_gives_apps_the_card_copy_beside_the_cover(client, owner, offer):
    services.offer_set_image(offer=offer, by=owner, image=upload(scene(2400, 1800), "hot.jpg"))
    offer.refresh_from_db()
    (listed,) = client.get("/api/v1/offers/").json()["results"]
    assert listed["image"] == f"http://testserver{offer.image.url}"
    assert listed["image_card"] == f"http://testserver{offer.image_card.url}"
