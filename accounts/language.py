"""The interface language: Dutch unless the person chose English (cookie or their profile)."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.models import User
from api.middleware import is_api

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def _accepted_language(request) -> str | None:
    """The first supported language of the Accept-Language header, by its weights."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            return None
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def language_for_request(request) -> str:
    """Return the language for this request: the cookie, then the user's profile, then Dutch.

    A browser's Accept-Language is ignored on purpose: the product speaks Dutch unless a
    person explicitly picks English, whatever language their browser happens to be set to.
    An API caller has no cookie or menu to choose with, so under /api/v1 the header it
    sends comes first.
    """
    if is_api(request.path_info):
        accepted = _accepted_language(request)
        if accepted:
            return accepted
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in SUPPORTED:
        return chosen
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.preferred_language in SUPPORTED:
        return user.preferred_language
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate the language of :func:`language_for_request`; place after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(
            response, ("Cookie", "Accept-Language") if is_api(request.path_info) else ("Cookie",)
        )
        response.headers.setdefault("Content-Language", language)
        return response


@require_POST
def set_language(request):
    """Switch the interface language and remember it as the person's email language too."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if language in SUPPORTED and request.user.is_authenticated:
        with transaction.atomic():
            User.objects.filter(pk=request.user.pk).update(preferred_language=language)
    return response
