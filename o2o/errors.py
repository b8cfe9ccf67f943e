"""Domain errors: every refusal a service makes, with a stable code."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the request.

    `code` is stable and documented (the API returns it as JSON); `message`
    is translated text for people; `status` is the HTTP status the API uses.
    """

    status = 400

    def __init__(self, code: str, message: str | Promise, *, status: int | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
