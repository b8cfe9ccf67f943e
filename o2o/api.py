"""API plumbing shared by every app: one error shape, `{code, detail}`, and
its place in the OpenAPI schema (every operation's refusals, one pattern of
operation ids); the JSON 404 for unknown API paths; output serializers whose
fields are built once."""

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import is_valid_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
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
        errors = exc.detail
        if not isinstance(errors, Mapping):  # raised with a message, not by a serializer
            errors = {api_settings.NON_FIELD_ERRORS_KEY: errors}
        detail = str(exceptions.ValidationError.default_detail)  # DRF's, translated
        response.data = {"code": "invalid", "detail": detail, "errors": errors}
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


@csrf_exempt  # a POST with no session must get the 404 too, not a CSRF page
def not_found(request: HttpRequest) -> HttpResponse:
    """The API's last route: a path no endpoint matched answers the API's
    JSON 404, not the site's HTML page.

    Matching every path, this route also hides them from CommonMiddleware's
    APPEND_SLASH, so it keeps that redirect itself for reads; a write is not
    redirected (a client would resend it as a GET), it is told the address.
    """
    path = request.path_info
    detail = _("There is no such address in the API (see /api/docs/).")
    if not path.endswith("/"):
        match = is_valid_path(f"{path}/", getattr(request, "urlconf", None))
        if match and match.func is not not_found:
            if settings.APPEND_SLASH and request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            detail = _("There is no such address in the API: did you mean %(path)s?") % {
                "path": f"{request.path}/"
            }
    return JsonResponse({"code": "not_found", "detail": detail}, status=status.HTTP_404_NOT_FOUND)


class ErrorResponse(serializers.Serializer):
    """Every refusal's body (o2o.api.exception_handler)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # Not declared as class attributes: `errors` would hide Serializer.errors.
        return {
            "code": serializers.CharField(
                help_text="Stable, for programs: which refusal (each operation lists its own)."
            ),
            "detail": serializers.CharField(help_text="For people, in the request's language."),
            "errors": serializers.DictField(
                required=False,
                help_text="With `invalid` from a failed validation: the messages by field "
                "(`non_field_errors` for the body as a whole).",
            ),
        }


class Refusal(OpenApiResponse):
    """One status of refusal of an operation, and the codes it can carry;
    AutoSchema describes it when the schema is built (in the language the
    schema is asked for)."""

    def __init__(self, status_code: int, codes: Iterable[str]) -> None:
        super().__init__(ErrorResponse)
        self.status_code = status_code
        self.codes = tuple(dict.fromkeys(codes))  # in order, once each


def describe(status_code: int, codes: Iterable[str]) -> OpenApiResponse:
    listed = ", ".join(f"`{code}`" for code in codes)
    return OpenApiResponse(
        ErrorResponse,
        _("%(status)s. `code` is one of: %(codes)s.")
        % {"status": HTTPStatus(status_code).phrase, "codes": listed},
    )


def refusals(by_status: Mapping[int, Iterable[str]]) -> dict[int, Refusal]:
    """The refusals an operation's own rules can give, by status, as
    `extend_schema(responses=...)` entries: `{**refusals({409: ["sold_out"]})}`.

    The ones every operation of its kind can give (401 without a token, 400
    for a body that fails validation, 404 for an unknown id or page, 429
    when throttled...) are added by AutoSchema; list only the service's
    codes (`DomainError.code`) here.
    """
    return {status_code: Refusal(status_code, codes) for status_code, codes in by_status.items()}


_CRUD = {"PUT": "update", "PATCH": "partial_update", "DELETE": "destroy"}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema with the API's conventions:

    - operation ids: the path's words after `/api/v<n>/`, parameters left
      out, joined by `_`, then what the method does: `offers_list`,
      `offers_retrieve`, `orders_create`, `me_retrieve`; a POST to a longer
      path is an action named by it: `orders_pay`, `auth_token`;
    - responses: every refusal the operation can give, with the codes each
      status carries: the operation's own (`refusals`), and those of its
      kind (authentication, validation, an id in the path, a page,
      throttles).
    """

    def get_operation_id(self) -> str:
        words = [word.replace("-", "_") for word in self._tokenize_path()] or ["root"]
        if len(words) > 1 and self.method == "POST":
            return "_".join(words)
        if self.method == "GET":
            verb = "list" if self._is_list_view() else "retrieve"
        else:
            verb = _CRUD.get(self.method, "create")
        return "_".join([*words, verb])

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:  # type: ignore[override]
        bodies = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        for status_code, codes in self.refusal_codes().items():
            bodies[str(status_code)] = self._get_response_for_code(
                describe(status_code, codes), str(status_code), direction=direction
            )
        return dict(sorted(bodies.items()))

    def refusal_codes(self) -> dict[int, list[str]]:
        """Status → the codes this operation can answer with."""
        codes: dict[int, list[str]] = {}

        def add(status_code: int, *more: str) -> None:
            listed = codes.setdefault(status_code, [])
            for code in more:
                if code not in listed:
                    listed.append(code)

        view, method = self.view, self.method
        authenticators = view.get_authenticators()
        if authenticators:
            # A token that is unknown, revoked or its user's deactivated,
            # even where no login is needed.
            add(401, "authentication_failed")
        nobody = HttpRequest()
        nobody.method = method
        anonymous = Request(nobody)
        anonymous.user = AnonymousUser()
        if not all(p.has_permission(anonymous, view) for p in view.get_permissions()):
            add(401, "not_authenticated")
        if method not in SAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            add(403, "permission_denied")  # signed in by the session cookie, without CSRF token
        if method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            add(400, "invalid", "invalid_json", "parse_error")
            add(415, "unsupported_media_type")
        if "{" in self.path:
            add(404, "not_found")  # no such object (of yours), or not an id at all
        if method == "GET" and self._is_list_view():
            if getattr(view, "filterset_class", None) is not None:
                add(400, "invalid")  # a filter's value
            if getattr(view, "pagination_class", None) is not None:
                add(404, "not_found")  # no such page
        if view.get_throttles():
            add(429, "throttled")
        declared = self.get_response_serializers()
        if isinstance(declared, Mapping):
            for response in declared.values():
                if isinstance(response, Refusal):
                    add(response.status_code, *response.codes)
        return codes


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
