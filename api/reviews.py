"""API: review a used voucher."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o.api import IdField, ModelOutputSerializer, WholeNumberField, refusals
from reviews import services
from reviews.models import Review


class ReviewOutput(ModelOutputSerializer):
    class Meta:
        model = Review
        fields = ("id", "voucher", "offer", "merchant", "rating", "text", "created_at")


class ReviewInput(serializers.Serializer):
    voucher = IdField()
    rating = WholeNumberField()
    text = serializers.CharField(allow_blank=True, max_length=4000)


class ReviewCreateApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=ReviewInput,
        responses={
            201: ReviewOutput,
            **refusals(
                {
                    400: ["invalid_rating", "text_required", "text_too_long"],
                    404: ["voucher_not_found"],
                    409: ["not_redeemed", "already_reviewed"],
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(
            user=request.user,  # type: ignore[arg-type]
            voucher_id=data.validated_data["voucher"],
            rating=data.validated_data["rating"],
            text=data.validated_data["text"],
        )
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)
