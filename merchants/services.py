"""Every write on merchants, stores and staff."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o.errors import DomainError, NotFound, PermissionDenied
from o2o.models import check_transition

from . import signals
from .models import (
    BusinessArea,
    Category,
    City,
    District,
    Membership,
    Merchant,
    MerchantEvent,
    Store,
)
from .selectors import works_at


def _unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=False)[:120] or "merchant"
    slug, n = base, 1
    while Merchant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def merchant_apply(
    *,
    user: User,
    name: str,
    category: Category,
    city: City,
    store_name: str,
    district: District,
    address: str,
    latitude: Decimal,
    longitude: Decimal,
    description: str = "",
    phone: str = "",
    email: str = "",
    business_licence: str = "",
    hours: str = "",
    business_area: BusinessArea | None = None,
) -> Merchant:
    """A user applies to sell: a pending merchant, its first store, them as owner."""
    if Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists():
        raise DomainError("already_merchant", _("You already own a merchant account."))
    if district.city_id != city.pk:
        raise DomainError("district_not_in_city", _("That district is not in the chosen city."))
    merchant = Merchant.objects.create(
        name=name,
        slug=_unique_slug(name),
        category=category,
        city=city,
        description=description,
        phone=phone,
        email=email or user.email,
        business_licence=business_licence,
    )
    store_create(
        merchant=merchant,
        name=store_name,
        district=district,
        address=address,
        latitude=latitude,
        longitude=longitude,
        phone=phone,
        hours=hours,
        business_area=business_area,
    )
    Membership.objects.create(user=user, merchant=merchant, role=Membership.Role.OWNER)
    MerchantEvent.objects.create(merchant=merchant, to_status=merchant.status, by=user)
    signals.merchant_applied.send(sender=Merchant, merchant=merchant)
    return merchant


STORE_FIELDS = (
    "name",
    "district",
    "business_area",
    "address",
    "latitude",
    "longitude",
    "phone",
    "hours",
    "is_active",
)


def _check_place(merchant: Merchant, district: District | None, area: BusinessArea | None) -> None:
    """A store's district is in its merchant's city; its business area, if any, in that district."""
    if district is not None and district.city_id != merchant.city_id:
        raise DomainError("district_not_in_city", _("That district is not in your city."))
    if area is not None and (district is None or area.district_id != district.pk):
        raise DomainError(
            "business_area_not_in_district",
            _("That business area is not in the store's district."),
        )


def store_create(*, merchant: Merchant, by: User | None = None, **fields: Any) -> Store:
    """A new branch. `by` (when a person, not the application itself) must manage the merchant."""
    if by is not None:
        staff_membership(by, merchant, manage=True)
    _check_place(merchant, fields.get("district"), fields.get("business_area"))
    return Store.objects.create(
        merchant=merchant, **{k: v for k, v in fields.items() if k in STORE_FIELDS}
    )


@transaction.atomic
def store_update(*, store: Store, by: User, **fields: Any) -> Store:
    staff_membership(by, store.merchant, manage=True)
    district = fields.get("district", store.district)
    old_area = store.business_area
    moved = "district" in fields and "business_area" not in fields
    if moved and old_area is not None and old_area.district_id != district.pk:
        fields["business_area"] = None  # a store moved to another district leaves its area
    _check_place(store.merchant, district, fields.get("business_area", store.business_area))
    locked = Store.objects.select_for_update().get(pk=store.pk)
    for name, value in fields.items():
        if name in STORE_FIELDS:
            setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def _merchant_transition(
    *, merchant: Merchant, to: str, by: User | None, reason: str = ""
) -> Merchant:
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    check_transition(Merchant, locked.status, to)
    MerchantEvent.objects.create(
        merchant=locked, from_status=locked.status, to_status=to, reason=reason, by=by
    )
    locked.status = to
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    return locked


def merchant_approve(*, merchant: Merchant, by: User) -> Merchant:
    return _merchant_transition(merchant=merchant, to=Merchant.Status.APPROVED, by=by)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Please give a reason the merchant will see."))
    return reason


def merchant_reject(*, merchant: Merchant, by: User, reason: str) -> Merchant:
    return _merchant_transition(
        merchant=merchant, to=Merchant.Status.REJECTED, by=by, reason=_require_reason(reason)
    )


def merchant_suspend(*, merchant: Merchant, by: User, reason: str) -> Merchant:
    """A suspended merchant's offers disappear from every list and cannot be bought."""
    return _merchant_transition(
        merchant=merchant, to=Merchant.Status.SUSPENDED, by=by, reason=_require_reason(reason)
    )


def merchant_reinstate(*, merchant: Merchant, by: User) -> Merchant:
    return _merchant_transition(merchant=merchant, to=Merchant.Status.APPROVED, by=by)


NOT_YOUR_MERCHANT = ("not_your_merchant", _("This belongs to another merchant."))


def require_staff(
    *,
    is_member: bool,
    store_is_merchants: bool = True,
    works_at_store: bool = True,
) -> None:
    """The staff rule's refusals, on facts already read: PermissionDenied with a stable code.

    `works_at_store`: whether the member may act at the store, by
    merchants.selectors.works_at (or the same rule in the redemption's SQL).
    """
    if not is_member:
        raise PermissionDenied(*NOT_YOUR_MERCHANT)
    if not store_is_merchants:
        raise PermissionDenied("not_your_store", _("This store belongs to another merchant."))
    if not works_at_store:
        raise PermissionDenied("not_your_store", _("You are not staff at this store."))


def staff_membership(
    user: User,
    merchant: Merchant,
    *,
    store: Store | None = None,
    manage: bool = False,
) -> Membership:
    """The user's membership at `merchant`, or PermissionDenied with a stable code.

    `store`: the user must work at that store (and it must be the merchant's).
    `manage`: the user must be an owner or manager (cashiers only redeem).
    """
    if not user.is_authenticated:
        membership = None
    else:
        memberships = Membership.objects.filter(user_id=user.pk, merchant_id=merchant.pk)
        if store is not None:  # in the same query: may the member act at this store?
            here = Membership.objects.filter(pk=OuterRef("pk")).filter(works_at(store.pk))
            memberships = memberships.annotate(works_here=Exists(here))
        membership = memberships.first()
    if membership is None:
        raise PermissionDenied(*NOT_YOUR_MERCHANT)
    if manage and not membership.can_manage:
        raise PermissionDenied(
            "role_not_allowed",
            _("Your role (%(role)s) cannot do this.") % {"role": membership.get_role_display()},
        )
    if store is not None:
        require_staff(
            is_member=True,
            store_is_merchants=store.merchant_id == merchant.pk,
            works_at_store=membership.works_here,  # type: ignore[attr-defined]
        )
    return membership


def store_not_found() -> NotFound:
    return NotFound("store_not_found", _("No store has this id."))
