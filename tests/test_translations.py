"""Simplified Chinese stays complete: no empty or fuzzy entries ship."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from o2o.errors import DomainError
from o2o.models import check_transition

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _untranslated(entry: str) -> bool:
    lines = entry.strip().splitlines()
    for i, line in enumerate(lines):
        if line in ('msgstr ""', 'msgstr[0] ""'):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            return not following.startswith('"')
    return False


def test_every_string_has_a_chinese_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header
    live = [e for e in entries if not e.lstrip().startswith("#~")]
    assert not [e for e in live if _untranslated(e)]
    assert not [e for e in live if "#, fuzzy" in e]


def test_the_compiled_catalogue_ships():
    assert PO.with_suffix(".mo").stat().st_size > 1000


def test_every_model_name_and_field_label_reads_in_chinese():
    # Catches a label added in code but never extracted into the catalogue.
    from django.apps import apps
    from django.utils import translation

    ours = {
        "accounts",
        "merchants",
        "offers",
        "orders",
        "payments",
        "reviews",
        "rankings",
        "notifications",
    }
    untranslated = []
    with translation.override("zh-hans"):
        for model in apps.get_models():
            if model._meta.app_label not in ours:
                continue
            labels = [model._meta.verbose_name, model._meta.verbose_name_plural]
            labels += [
                f.verbose_name
                for f in model._meta.get_fields()
                if not f.auto_created and hasattr(f, "verbose_name")
            ]
            for label in labels:
                english = getattr(label, "_args", (None,))[0]  # a lazy string's msgid
                if english is not None and str(label) == english:
                    untranslated.append(f"{model.__name__}: {english}")
    assert not untranslated


def _lifecycles():
    from django.apps import apps

    return [model for model in apps.get_models() if hasattr(model, "TRANSITIONS")]


def test_every_refused_status_change_reads_in_chinese_without_a_word_of_english():
    """The statuses and the model's name are their Chinese labels, never the raw
    values ("pending_review") or the English labels ("Waiting for review")."""
    refusals = []
    with translation.override("zh-hans"):
        for model in _lifecycles():
            labels = dict(model.Status.choices)
            for current in model.Status.values:
                for new in model.Status.values:
                    if new in model.TRANSITIONS.get(current, set()):
                        continue
                    with pytest.raises(DomainError) as refused:
                        check_transition(model, current, new)
                    message = str(refused.value)
                    assert str(labels[current]) in message
                    assert str(labels[new]) in message
                    refusals.append(message)
    assert len(refusals) > 40  # merchants, offers, orders, vouchers
    assert [m for m in refusals if re.search("[A-Za-z]", m)] == []


@pytest.mark.django_db
def test_a_refusal_on_a_page_in_chinese_names_the_status_in_chinese(client, owner, offer):
    from offers.models import Offer

    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.PENDING_REVIEW)
    client.force_login(owner)
    response = client.post(
        reverse("merchants:offer_pause", args=[offer.pk]),
        follow=True,
        headers={"accept-language": "zh-hans"},
    )
    [message] = [str(m) for m in response.context["messages"]]
    assert message == "该团购当前为 待审核，不能变为 已暂停。"
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW


@pytest.mark.django_db
def test_a_role_refused_in_chinese_is_named_in_chinese(cashier, merchant):
    from merchants.services import staff_membership

    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        staff_membership(cashier, merchant, manage=True)
    assert refused.value.code == "role_not_allowed"
    assert str(refused.value) == "你的角色（收银员）不能执行此操作。"
