"""API plumbing shared by every app: one error shape, `{code, detail}`;
output serializers whose fields are built once."""

import logging
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.views import exception_handler as drf_exception_handler

from o2o.errors import DomainError
from o2o.http import MAX_ID, parse_int

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain errors and DRF errors into `{code, detail}` JSON."""
    if isinstance(exc, DomainError):
        refusal = Response({"code": exc.code, "detail": str(exc.message)}, status=exc.status)
        # A refusal the API was built to give (sold out, already used) is an
        # answer, not a warning: logged at INFO with its code, and Django's
        # own WARNING for a 4xx skipped. A flash crowd's 900 "sold out"
        # answers would otherwise be 900 warnings.
        request = context.get("request")
        logger.info("refused %s: %s", exc.code, getattr(request, "path", "-"))
        refusal._has_been_logged = True  # type: ignore[attr-defined]  # read by django.utils.log
        return refusal
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": "Invalid input.", "errors": exc.detail}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = {"code": code, "detail": str(exc.detail)}
    return response


class WholeNumberField(serializers.IntegerField):
    """A whole number in a request body: a JSON integer or a string of ASCII
    digits (o2o.http.parse_int). DRF's IntegerField also takes "1.0" and "١"
    (an Arabic-Indic one)."""

    def to_internal_value(self, data: Any) -> int:
        value = parse_int(data)
        if value is None:
            self.fail("invalid")
        return value  # any bounds are checked by the field's validators


class IdField(WholeNumberField):
    """An id in a request body, from 1 to MAX_ID: a larger number names no
    row, and the database refuses it in a query (a 500) instead of finding nothing."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class FieldsBuiltOnce:
    """For output serializers whose fields read neither the context nor the
    serializer instance: the fields are built once per class.

    DRF builds every field again for each serializer it makes (a
    ModelSerializer from the model's metadata), about 1 ms of CPU for an
    order with its vouchers: more than the rest of a new order's response.
    The fields then stay bound to the first serializer made, so a method
    field must use only the object it is given.
    """

    _built: ClassVar[dict[type, BindingDict]] = {}

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        built = FieldsBuiltOnce._built.get(cls)
        if built is None:
            built = BindingDict(self)  # type: ignore[arg-type]  # mixed into serializers only
            for name, field in self.get_fields().items():  # type: ignore[attr-defined]
                built[name] = field
            FieldsBuiltOnce._built[cls] = built
        return built


class ModelOutputSerializer(FieldsBuiltOnce, serializers.ModelSerializer):  # type: ignore[misc]
    """A read-only ModelSerializer whose fields are built once (above)."""
