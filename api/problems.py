"""RFC 9457 problem details: the one shape of every error answer of the API."""

from http import HTTPStatus

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:paqt-support:problem:"

# A short summary per status; ``detail`` says what happened in this case.
TITLES = {
    400: _("Invalid input"),
    401: _("Authentication required"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    410: _("Gone"),
    412: _("Precondition failed"),
    413: _("Request too large"),
    415: _("Unsupported media type"),
    428: _("Precondition required"),
    429: _("Too many requests"),
    500: _("Server error"),
}

# The machine-readable code of each status when nothing more specific is known.
CODES = {
    400: "invalid-input",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition-failed",
    413: "request-too-large",
    415: "unsupported-media-type",
    428: "precondition-required",
    429: "throttled",
    500: "server-error",
}


def title_for(status: int) -> str:
    if status in TITLES:
        return str(TITLES[status])
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(TITLES[500])


def problem(
    *,
    status: int,
    detail: str,
    instance: str,
    code: str | None = None,
    invalid_params: list[dict] | None = None,
) -> dict:
    """Return the problem document of an error; ``invalid_params`` lists [{name, reason}]."""
    code = code or CODES.get(status, "error")
    body = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": title_for(status),
        "status": status,
        "detail": str(detail),
        "instance": instance,
        "code": code,
    }
    if invalid_params:
        body["invalid-params"] = invalid_params
    return body


def problem_response(*, status: int, detail: str, instance: str, **kwargs) -> JsonResponse:
    """Return a plain Django response carrying a problem document, for errors outside DRF."""
    return JsonResponse(
        problem(status=status, detail=detail, instance=instance, **kwargs),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
