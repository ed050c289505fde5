"""Guards around every request: input no view can use."""

from django.shortcuts import render
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
