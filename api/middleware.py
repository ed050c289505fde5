"""Stamp every answer under /api/v1 with ``API-Version`` and make any error there problem+json."""

from django.conf import settings
from django.utils.translation import gettext as _

from api.problems import PROBLEM_CONTENT_TYPE, problem_response

API_PREFIX = "/api/v1"


def is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class ApiVersionMiddleware:
    """Add the ``API-Version`` header (NLGov API-57) to every API answer, errors included.

    Errors raised outside the API's views (no URL matched, Django's own 404 and 500
    pages) come out as problem+json too, so that a client needs one error parser. Put
    this before CommonMiddleware so that it sees every answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api(request.path_info):
            return response
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith(PROBLEM_CONTENT_TYPE):
            detail = _("Not found.") if response.status_code == 404 else _("The request failed.")
            converted = problem_response(
                status=response.status_code, detail=detail, instance=request.get_full_path()
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
                if header in response:
                    converted[header] = response[header]
            # Django marks an answer it logged; unmarked, a server error would be logged, and
            # mailed to the administrators, a second time on its way out.
            converted._has_been_logged = getattr(response, "_has_been_logged", False)
            response = converted
        response["API-Version"] = settings.SPECTACULAR_SETTINGS["VERSION"]
        return response
