"""Pages in Chinese on a phone are legible: every Chinese character on them is
drawn with a real glyph, not the missing-glyph box ("tofu") a browser draws
when no installed font has the character.

Headless Chromium on a bare Debian has no CJK font: .ci/run installs
fonts-wqy-zenhei beside it. Screenshots go to var/screenshots/ for a person
to look at.
"""

from decimal import Decimal

import pytest

from demo.catalogue import SHOPS
from demo.loader import fine_print_zh

from ..factories import (
    CategoryFactory,
    CityFactory,
    DistrictFactory,
    MerchantFactory,
    OfferFactory,
    StoreFactory,
)
from .conftest import MOBILE, ROOT

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ROOT / "var" / "screenshots"

# Each distinct Han character in the page's text, drawn on a canvas in the
# body's font stack, compared with what that stack draws for U+10FFFD (a code
# point no font has): the same pixels mean the character is a box too. Also
# which font the browser really used for the page's main heading.
TOFU = """
() => {
  const chars = [...new Set([...document.body.innerText].filter(c => /\\p{Script=Han}/u.test(c)))];
  const family = getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.font = `32px ${family}`;
  const draw = (c) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.fillText(c, 4, 36);
    return ctx.getImageData(0, 0, 48, 48).data.join();
  };
  const box = draw('\\u{10FFFD}');
  return {chars: chars.length, tofu: chars.filter(c => draw(c) === box)};
}
"""


def _heading_fonts(page) -> list[str]:
    """The platform fonts Chromium drew the first heading with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    cdp.send("CSS.enable")
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "main h1, h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [font["familyName"] for font in fonts]


@pytest.fixture
def chinese_deal():
    """小龙坎火锅's set for two, as the demo data writes it, in a Chinese-named city."""
    shop = next(s for s in SHOPS if s.name == "小龙坎火锅")
    deal = shop.deals[0]
    city = CityFactory(name_en="Shanghai", name_zh_hans="上海")
    district = DistrictFactory(city=city, name_en="Jing'an", name_zh_hans="静安区")
    hotpot = CategoryFactory(
        slug="hotpot", name_en="Hotpot", name_zh_hans="火锅", icon="fa-fire-burner"
    )
    CategoryFactory(slug="spa", name_en="Spa & massage", name_zh_hans="足疗按摩", icon="fa-spa")
    merchant = MerchantFactory(name=shop.name, category=hotpot, city=city)
    store = StoreFactory(
        merchant=merchant, district=district, name="静安寺店", address="静安区南京西路1618号"
    )
    offer = OfferFactory(
        merchant=merchant,
        stores=[store],
        title=deal.title,
        summary=deal.summary,
        includes=deal.includes,
        fine_print=fine_print_zh(deal, {}, shop.category),
        price=Decimal(deal.price),
        list_price=Decimal(deal.list_price),
    )
    OfferFactory(merchant=merchant, stores=[store], title="四人欢聚套餐", summary="4-5人食")
    OfferFactory(title="Hotpot set for two")  # English beside it
    return offer


def test_pages_in_chinese_are_legible_on_a_phone(browser, live_server, chinese_deal):
    context = browser.new_context(
        viewport=MOBILE,
        base_url=live_server.url,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-hans"},
    )
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for name, path in (
            ("home", "/"),
            ("deals", "/deals/"),
            ("deal", f"/deals/{chinese_deal.pk}/"),
        ):
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == "zh-hans"
            page.screenshot(path=str(SCREENSHOTS / f"zh-{name}-390x844.png"), full_page=True)
            found = page.evaluate(TOFU)
            assert found["chars"] >= 20, f"{name}: hardly any Chinese on the page ({found})"
            assert found["tofu"] == [], (
                f"{name}: {len(found['tofu'])} of {found['chars']} Chinese characters are drawn "
                f"as boxes ({''.join(found['tofu'][:20])}…), heading drawn with "
                f"{_heading_fonts(page)}: install a CJK font (apt-get install fonts-wqy-zenhei)"
            )
        assert chinese_deal.title in page.locator("h1").inner_text()
    finally:
        context.close()


def test_the_check_sees_boxes(browser):
    """Han characters of CJK Extension G (Unicode 13), which neither
    fonts-wqy-zenhei nor fonts-noto-cjk has, are drawn as boxes: the check
    must say so."""
    rare = "\U00030000\U00030001"
    context = browser.new_context(viewport=MOBILE)
    page = context.new_page()
    try:
        page.set_content(f"<html><body><p>火锅 {rare}</p></body></html>")
        found = page.evaluate(TOFU)
        assert found["chars"] == 4
        assert set(rare) <= set(found["tofu"])
    finally:
        context.close()
