"""API: register, obtain a token, who am I."""

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import User
from accounts.referrals import referrer_for
from merchants.selectors import memberships_for_user, stores_for_member
from o2o.api import refusals
from o2o.errors import DomainError
from o2o.http import client_ip
from o2o.ratelimit import ClientAddressThrottle

TokenOutput = inline_serializer("TokenOutput", {"token": serializers.CharField()})


class CredentialsInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)


class RegisterInput(CredentialsInput):
    # The code of the friend whose share link brought the new customer.
    referral_code = serializers.CharField(required=False, max_length=12)


class RegisterApi(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ClientAddressThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        request=RegisterInput,
        responses={
            201: TokenOutput,
            **refusals({400: ["email_taken", "invalid_password", "referral_code_not_found"]}),
        },
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        email, password = data.validated_data["email"], data.validated_data["password"]
        code = data.validated_data.get("referral_code")
        referrer = referrer_for(code) if code else None
        if code and referrer is None:
            raise DomainError(
                "referral_code_not_found", _("This invitation code does not belong to anyone.")
            )
        try:
            password_validation.validate_password(password, User(email=email))
        except ValidationError as err:
            raise DomainError("invalid_password", " ".join(err.messages)) from None
        user = services.user_register(
            email=email, password=password, referrer=referrer, address=client_ip(request._request)
        )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ClientAddressThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        request=CredentialsInput,
        responses={
            200: TokenOutput,
            **refusals({400: ["invalid_credentials"], 429: ["locked_out"]}),
        },
    )
    def post(self, request: Request) -> Response:
        data = CredentialsInput(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes watches this call, as it does the log-in page.
        user = authenticate(
            request._request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise DomainError(
                    "locked_out",
                    _("Too many failed log-ins. Try again in 15 minutes."),
                    status=429,
                )
            raise DomainError("invalid_credentials", _("E-mail and password do not match."))
        services.user_seen_from(user=user, address=client_ip(request._request))  # type: ignore[arg-type]
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MembershipOutput(serializers.Serializer):
    merchant = serializers.IntegerField(source="merchant_id")
    merchant_name = serializers.CharField(source="merchant.name")
    role = serializers.CharField()
    stores = serializers.SerializerMethodField()

    def get_stores(self, membership) -> list[int]:  # type: ignore[no-untyped-def]
        return [store.pk for store in stores_for_member(membership)]


class MeOutput(serializers.Serializer):
    email = serializers.EmailField()
    memberships = MembershipOutput(many=True)


class MeApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        memberships = list(memberships_for_user(request.user))  # type: ignore[arg-type]
        return Response(MeOutput({"email": request.user.email, "memberships": memberships}).data)  # type: ignore[union-attr]
