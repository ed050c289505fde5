"""The interface language: Dutch unless the person chose English (cookie or their profile)."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.models import User

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for_request(request) -> str:
    """Return the language for this request: the cookie, then the user's profile, then Dutch.

    The browser's Accept-Language is ignored on purpose: the product speaks Dutch unless a
    person explicitly picks English, whatever language their browser happens to be set to.
    """
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
        patch_vary_headers(response, ("Cookie",))
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
