"""Domain errors: one base class that every edge (pages, API, CLI) knows how to show."""


class ApplicationError(Exception):
    """An error meant for the person who caused it, with a stable machine-readable code.

    ``field`` names the input that was wrong, when there is one, so that a form can
    attach the message to that field and the API can list it under ``invalid-params``.
    """

    code = "application-error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ConflictError(ApplicationError):
    """The object changed since the caller read it; they must reload and try again."""

    code = "conflict"
    status = 409


class NotAllowedError(ApplicationError):
    """The caller may see the object but not do this to it."""

    code = "not-allowed"
    status = 403


class RateLimitedError(ApplicationError):
    """The caller did this too often in a short while; they may try again later."""

    code = "rate-limited"
    status = 429
