"""Send someone who logged out here on to their identity provider's logout."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from sso.views import with_query

REDIRECTS = {301, 302, 303, 307, 308}


class RemoteLogoutMiddleware:
    """After a logout of a session that came through an identity provider, end that one too.

    The page that logs out answers as usual; when it logged out such a session, the answer
    becomes a page that takes the browser to the provider's end-session endpoint and names
    where the provider sends it back: where the logout would have gone. A redirect would be
    stopped by the form-action policy, as logging out is a form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        remote = getattr(request, "identity_provider_logout", None)
        if remote is None:
            return response
        provider, id_token = remote
        back = response["Location"] if response.status_code in REDIRECTS else reverse("login")
        params = {
            "client_id": provider.oidc_client_id,
            "post_logout_redirect_uri": request.build_absolute_uri(back),
        }
        if id_token:
            params["id_token_hint"] = id_token
        page = render(
            request,
            "sso/logout.html",
            {
                "provider": provider,
                "logout_url": with_query(provider.end_session_endpoint, params),
                "back_url": back,
            },
        )
        # The page holds the ID token in its links.
        add_never_cache_headers(page)
        return page
