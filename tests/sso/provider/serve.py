"""Set up the test provider's database from PROVIDER_SETUP (JSON) and serve it on PROVIDER_PORT.

PROVIDER_SETUP: {"clients": [{"client_id", "client_secret", "redirect_uris",
"post_logout_redirect_uris"}], "users": [{"username", "password", "email", "first_name",
"last_name", "groups"}]}.
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.provider.settings"
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    setup = json.loads(os.environ["PROVIDER_SETUP"])
    code = ResponseType.objects.get(value="code")
    for spec in setup["clients"]:
        client = Client.objects.create(
            name=spec["client_id"],
            client_type="confidential",
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            jwt_alg="RS256",
            require_consent=False,
            reuse_consent=True,
            _redirect_uris="\n".join(spec["redirect_uris"]),
            _post_logout_redirect_uris="\n".join(spec.get("post_logout_redirect_uris", [])),
            _scope="openid email profile",
        )
        client.response_types.add(code)
    for spec in setup["users"]:
        user = User.objects.create_user(
            spec["username"],
            email=spec["email"],
            password=spec["password"],
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
        )
        for name in spec.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    print("ready", flush=True)
    run(
        "127.0.0.1",
        int(os.environ["PROVIDER_PORT"]),
        get_wsgi_application(),
        threading=True,
        server_cls=WSGIServer,
    )


if __name__ == "__main__":
    sys.exit(main())
