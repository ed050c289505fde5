"""The OpenAPI description: error answers on every operation and the token security scheme."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema

from api.problems import PROBLEM_CONTENT_TYPE, title_for
from api.serializers import ProblemSerializer

WRITE_METHODS = {"POST", "PUT", "PATCH"}


class EnglishSchemaGenerator(SchemaGenerator):
    """Write the OpenAPI document in English, whoever asks and in whatever language.

    Integrators share one contract: a document that changed with the caller's
    Accept-Language, or with the server's default language in ``manage.py spectacular``,
    would differ between two teams reading the same API. Error answers still follow
    the caller's language; only the description of the API is fixed.
    """

    def get_schema(self, request=None, public=False):
        with translation.override("en"):
            return super().get_schema(request=request, public=public)


class ApiAutoSchema(AutoSchema):
    """Describe each operation's problem+json answers besides its success.

    Every operation may answer 400 (a malformed parameter), 404 (unknown object or
    cursor), 406 and 429; one that needs a login 401 and 403; one that takes a body 415.
    A view lists any further statuses in ``problem_statuses``.
    """

    def _problem_statuses(self) -> set[int]:
        statuses = {400, 404, 406, 429}
        if self.get_auth():
            statuses |= {401, 403}
        if self.method in WRITE_METHODS:
            statuses.add(415)
        extra = getattr(self.view, "problem_statuses", {})
        statuses |= set(extra.get(self.method, ()))
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._problem_statuses()):
            response = self._get_response_for_code(
                ProblemSerializer, str(status), media_types=[PROBLEM_CONTENT_TYPE]
            )
            response["description"] = title_for(status)
            responses.setdefault(str(status), response)
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "A personal API token: 'Authorization: Bearer <secret>' (or 'Token "
                    "<secret>'). Make one with 'manage.py create_api_token USERNAME'."
                )
            ),
        }
