"""API: orders, paying them, my vouchers, redemptions by merchant staff."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o.api import IdField, ModelOutputSerializer, refusals
from o2o.errors import Conflict, DomainError
from o2o.http import parse_id
from offers.stock import known_sold_out
from orders import selectors, services
from orders.codes import format_code
from orders.models import Order, Redemption, Voucher
from orders.throttle import record_redeem_failure
from payments.gateways import DEV, TEST_MODE_NOTICE
from payments.models import Payment
from payments.services import payment_dev_capture, payment_start


class VoucherOutput(ModelOutputSerializer):
    code_display = serializers.SerializerMethodField()
    offer_title = serializers.CharField(source="offer.title")

    class Meta:
        model = Voucher
        fields = (
            "id",
            "code",
            "code_display",
            "status",
            "offer",
            "offer_title",
            "order",
            "value",
            "currency",
            "uses_allowed",
            "uses_left",
            "expires_at",
        )

    def get_code_display(self, voucher: Voucher) -> str:
        return format_code(voucher.code)


class OrderOutput(ModelOutputSerializer):
    vouchers = VoucherOutput(many=True, read_only=True)

    class Meta:
        model = Order
        fields = (
            "id",
            "status",
            "offer",
            "quantity",
            "unit_price",
            "subtotal",
            "discount",
            "discount_by",
            "total",
            "currency",
            "payment_deadline",
            "paid_at",
            "created_at",
            "vouchers",
        )


def _order_out(order: Order) -> dict:  # type: ignore[type-arg]
    order = Order.objects.prefetch_related("vouchers__offer").get(pk=order.pk)
    return OrderOutput(order).data  # type: ignore[return-value]


class OrderCreateInput(serializers.Serializer):
    offer = IdField()
    quantity = serializers.IntegerField()
    coupon = IdField(required=False, help_text="One of my coupons (GET /api/v1/coupons/), or…")
    promo_code = serializers.CharField(
        required=False, max_length=32, help_text="…a promo code: not both."
    )


class OrderListCreateApi(generics.ListAPIView):
    permission_classes = (IsAuthenticated,)
    serializer_class = OrderOutput

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.orders_for_user(self.request.user).prefetch_related("vouchers__offer")  # type: ignore[arg-type]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A flash deal's late buyers are refused before authentication, the
        # costliest step left for a request that can only be refused: whether
        # a deal is sold out is public (its page says so).
        if request.method == "POST" and isinstance(request.data, Mapping):
            offer_id = parse_id(request.data.get("offer"))
            if offer_id is not None and known_sold_out(offer_id):
                raise Conflict("sold_out", services.SOLD_OUT)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=OrderCreateInput,
        responses={
            201: OrderOutput,
            **refusals(
                {
                    400: ["invalid", "invalid_quantity", "coupon_or_promo_code"],
                    404: ["offer_not_found", "coupon_not_found", "promo_code_not_found"],
                    409: [
                        "sold_out",
                        "offer_not_available",
                        "not_enough_stock",
                        "limit_exceeded",
                        "used",
                        "expired",
                        "not_yet_valid",
                        "out_of_scope",
                        "min_spend_not_met",
                        "campaign_closed",
                        "not_eligible",
                        "already_claimed",
                    ],
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        # Parsing is the service's job too: a bad quantity gets `invalid_quantity`.
        body = request.data if isinstance(request.data, Mapping) else {}
        if "offer" not in body:
            raise DomainError("invalid", _("Say which offer to buy: {offer, quantity}."))
        order = services.order_create(
            user=request.user,  # type: ignore[arg-type]
            offer_id=body.get("offer"),
            quantity=body.get("quantity"),
            coupon_id=body.get("coupon"),
            promo_code=body.get("promo_code"),
        )
        # A new order has no vouchers yet: no need to read it, or them, back.
        order._prefetched_objects_cache = {"vouchers": Voucher.objects.none()}  # type: ignore[attr-defined]
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(generics.RetrieveAPIView):
    permission_classes = (IsAuthenticated,)
    serializer_class = OrderOutput

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.orders_for_user(self.request.user).prefetch_related("vouchers__offer")  # type: ignore[arg-type]


class OrderPayInput(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=Payment.Method.choices,
        required=False,
        help_text="card (when absent), alipay or wechat_pay; the last two for CNY only.",
    )


class PaymentOutput(serializers.Serializer):
    gateway = serializers.CharField()
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    status = serializers.CharField()
    redirect_url = serializers.CharField(
        allow_blank=True, help_text="Alipay on Stripe: open it; Alipay returns the payer to us."
    )
    qr_code = serializers.CharField(
        allow_blank=True, help_text="WeChat Pay on Stripe: the text of the QR code to show."
    )
    client_secret = serializers.CharField(allow_blank=True)
    publishable_key = serializers.CharField(allow_blank=True)
    test_mode = serializers.BooleanField(
        help_text="Paid on the development gateway: no real money moved."
    )
    notice = serializers.CharField(
        allow_blank=True, help_text="Say this to the payer (translated); empty for real payments."
    )


class OrderPayOutput(OrderOutput):
    payment = PaymentOutput(read_only=True)

    class Meta(OrderOutput.Meta):
        fields = (*OrderOutput.Meta.fields, "payment")  # type: ignore[assignment]


class OrderPayApi(APIView):
    """Pay an order. The development gateway (a demo: `test_mode`, no real
    money) captures at once (→ `paid`); with Stripe the answer carries the
    PaymentIntent's client secret for the app's card form, and the webhook
    completes the order."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=OrderPayInput,
        responses={
            200: OrderPayOutput,
            **refusals(
                {
                    400: ["invalid_payment_method", "payment_method_unavailable"],
                    404: ["order_not_found"],
                    409: [
                        "order_paid",
                        "order_completed",
                        "order_cancelled",
                        "payment_window_passed",
                    ],
                    503: ["payments_unavailable", "gateway_unavailable"],
                }
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        body = request.data if isinstance(request.data, Mapping) else {}
        payment, result = payment_start(
            order_id=pk,
            user=request.user,  # type: ignore[arg-type]
            method=body.get("method"),
            site_url=request.build_absolute_uri("/"),
        )
        test_mode = payment.gateway == DEV
        if test_mode:
            payment = payment_dev_capture(payment_id=payment.pk, user=request.user)  # type: ignore[arg-type]
        order = selectors.order_for_user(user=request.user, order_id=pk)  # type: ignore[arg-type]
        data = _order_out(order)
        data["payment"] = {
            "gateway": payment.gateway,
            "method": payment.method,
            "status": payment.status,
            "redirect_url": payment.action.get("redirect_url", "") if not test_mode else "",
            "qr_code": payment.action.get("qr_data", "") if not test_mode else "",
            "client_secret": result.client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY
            if payment.gateway == "stripe"
            else "",
            "test_mode": test_mode,
            "notice": str(TEST_MODE_NOTICE) if test_mode else "",
        }
        return Response(data)


class VoucherListApi(generics.ListAPIView):
    permission_classes = (IsAuthenticated,)
    serializer_class = VoucherOutput

    def get_queryset(self) -> QuerySet[Voucher]:
        return selectors.vouchers_for_user(self.request.user)  # type: ignore[arg-type]


class VoucherRefundApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={
            200: VoucherOutput,
            **refusals(
                {
                    # refund_exceeds_payment, not_paid: the voucher's payment has
                    # nothing left to refund (the ledger's guard; not expected).
                    400: ["refund_exceeds_payment"],
                    404: ["voucher_not_found"],
                    409: [
                        "not_refundable",
                        "already_refunded",
                        "already_redeemed",
                        "voucher_expired",
                        "not_paid",
                    ],
                }
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        voucher = services.voucher_refund(
            voucher_id=pk,
            by=request.user,  # type: ignore[arg-type]
            reason=services.RefundReason.CUSTOMER,
        )
        return Response(VoucherOutput(voucher).data)


_DATETIME = serializers.DateTimeField()


class RedemptionOutput(serializers.Serializer):
    # Built on every redemption, so the representation is written out by
    # hand: DRF deep-copies the declared fields for each instance, which took
    # longer than the rest of the response. The fields describe the schema;
    # a test holds the two to the same keys and values.
    id = serializers.IntegerField()
    voucher = serializers.IntegerField(source="voucher_id")
    store = serializers.IntegerField(source="store_id")
    offer = serializers.IntegerField(source="voucher.offer_id")
    offer_title = serializers.CharField(source="voucher.offer.title")
    uses_left = serializers.IntegerField(source="voucher.uses_left")
    voucher_status = serializers.CharField(source="voucher.status")
    created_at = serializers.DateTimeField()
    undone_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Redemption) -> dict[str, Any]:
        voucher = instance.voucher
        when = _DATETIME.to_representation
        return {
            "id": instance.pk,
            "voucher": instance.voucher_id,
            "store": instance.store_id,
            "offer": voucher.offer_id,
            "offer_title": voucher.offer.title,
            "uses_left": voucher.uses_left,
            "voucher_status": voucher.status,
            "created_at": when(instance.created_at),
            "undone_at": when(instance.undone_at) if instance.undone_at else None,
        }


class RedemptionInput(serializers.Serializer):
    code = serializers.CharField(max_length=64, allow_blank=True)
    store = IdField()


class RedemptionCreateApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=RedemptionInput,
        responses={
            201: RedemptionOutput,
            **refusals(
                {
                    400: ["malformed_code"],
                    403: ["not_your_merchant", "not_your_store"],
                    404: ["unknown_code", "store_not_found"],
                    409: [
                        "already_redeemed",
                        "voucher_expired",
                        "voucher_refunded",
                        "not_usable_at_store",
                        "redemption_failed",
                    ],
                    429: ["too_many_attempts"],
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = RedemptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        store_id = data.validated_data["store"]
        try:
            redemption = services.voucher_redeem(
                code=data.validated_data["code"],
                store_id=store_id,
                by=request.user,  # type: ignore[arg-type]
            )
        except DomainError as err:
            record_redeem_failure(by=request.user, store_id=store_id, code=err.code)  # type: ignore[arg-type]
            raise
        return Response(RedemptionOutput(redemption).data, status=status.HTTP_201_CREATED)


class RedemptionUndoApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={
            200: RedemptionOutput,
            **refusals(
                {
                    403: ["not_your_merchant"],
                    404: ["redemption_not_found"],
                    409: ["already_undone", "undo_window_passed", "already_reviewed"],
                }
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        redemption = services.redemption_undo(redemption_id=pk, by=request.user)  # type: ignore[arg-type]
        redemption.voucher.refresh_from_db()
        return Response(RedemptionOutput(redemption).data)
