"""The API's exception handler: domain, DRF and Django errors as problem+json answers."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.problems import CODES, PROBLEM_CONTENT_TYPE, problem
from paqt_support.exceptions import ApplicationError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The issue changed since you read it. Read it again, then retry.")
    default_code = "precondition-failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        "Send the issue's ETag in an If-Match header, or its version in the body, "
        "so that you cannot overwrite someone else's change."
    )
    default_code = "precondition-required"


def _invalid_params(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into RFC 9457 ``invalid-params`` entries."""
    if isinstance(detail, dict):
        params = []
        for name, value in detail.items():
            if isinstance(name, int):
                # DRF keys the errors of a list's items by their index.
                full = f"{prefix}[{name}]"
            else:
                key = name if name != "non_field_errors" else ""
                full = f"{prefix}.{key}" if prefix and key else (prefix or key)
            params.extend(_invalid_params(value, full))
        return params
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"name": prefix, "reason": str(item)} for item in detail]
        params = []
        for index, item in enumerate(detail):
            params.extend(_invalid_params(item, f"{prefix}[{index}]" if prefix else str(index)))
        return params
    return [{"name": prefix, "reason": str(detail)}]


def _first_reason(params: list[dict]) -> str:
    return params[0]["reason"] if len(params) == 1 else _("Some of the input is not valid.")


def problem_exception_handler(exc, context):
    """Answer ``exc`` with an ``application/problem+json`` body, or None to let it rise.

    ``ApplicationError`` keeps its own status and code, and names its field under
    ``invalid-params``; DRF's errors keep their headers (``WWW-Authenticate``,
    ``Retry-After``, ``Allow``).
    """
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, ApplicationError):
        params = [{"name": exc.field, "reason": exc.message}] if exc.field else None
        body = problem(
            status=exc.status,
            detail=exc.message,
            instance=instance,
            code=exc.code,
            invalid_params=params if exc.status == 400 else None,
        )
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = CODES.get(response.status_code)
    if isinstance(exc, exceptions.APIException) and isinstance(exc.default_code, str):
        code = exc.default_code.replace("_", "-") if exc.default_code != "error" else code
    if isinstance(exc, Http404):
        code, detail, params = CODES[404], _("Not found."), None
    elif isinstance(exc, exceptions.ValidationError):
        code = CODES[400]
        params = _invalid_params(exc.detail) or [{"name": "", "reason": _("Invalid input.")}]
        detail = _first_reason(params)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        params = None
    response.data = problem(
        status=response.status_code,
        detail=detail,
        instance=instance,
        code=code,
        invalid_params=params,
    )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
