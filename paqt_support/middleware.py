"""Guards around every request: input no view can use, bodies too large, and private pages."""

from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from api.middleware import is_api
from api.problems import problem_response


def _refusal(request, *, status: int, message: str):
    if is_api(request.path_info):
        return problem_response(status=status, detail=message, instance=request.get_full_path())
    return render(request, "refused.html", {"message": message}, status=status)


def _has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class NulCharacterRefusalMiddleware:
    """Answer 400 to a URL holding a NUL character, before any view or log sees it.

    No page, search or ordering takes one, and PostgreSQL refuses text that holds it: let
    through, it fails as a server error wherever it first reaches the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return _refusal(
                request,
                status=400,
                message=_("The address of this request contains a NUL character; remove it."),
            )
        return self.get_response(request)


def request_body_limit(content_type: str) -> int:
    """Return the largest body, in bytes, that a request of ``content_type`` may send.

    A form with files may carry ATTACHMENT_MAX_FILES of ATTACHMENT_MAX_BYTES each, and its
    other fields; any other body DATA_UPLOAD_MAX_MEMORY_SIZE.
    """
    if content_type == "multipart/form-data":
        return (
            settings.ATTACHMENT_MAX_FILES * settings.ATTACHMENT_MAX_BYTES
            + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestBodyLimitMiddleware:
    """Answer 413 to a request that announces a body over its limit, without reading it.

    Django refuses a large form only after reading it, files and all; the announced
    ``Content-Length`` is known before a byte of the body arrives.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = request_body_limit(request.content_type)
        if length > limit:
            return _refusal(
                request,
                status=413,
                message=_("The request is too large: at most %(size)s can be sent at once.")
                % {"size": filesizeformat(limit)},
            )
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Mark every answer to a logged-in person ``Cache-Control: private, no-store``.

    Their pages hold client data: no shared proxy may keep them, and no browser may keep
    them on disk for the next person at the same computer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
