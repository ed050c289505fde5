"""What the test provider says about its users: email (verified or not), names, and amr.

A user in the group "mfa" logged in with a password and a code; one in "unverified" has an
email address the provider never checked.
"""


def userinfo(claims, user):
    groups = {group.name for group in user.groups.all()}
    claims["email"] = user.email
    claims["email_verified"] = "unverified" not in groups
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["name"] = user.get_full_name()
    return claims


def id_token_with_amr(id_token, user, token, request, **kwargs):
    mfa = user.groups.filter(name="mfa").exists()
    id_token["amr"] = ["pwd", "otp"] if mfa else ["pwd"]
    return id_token
