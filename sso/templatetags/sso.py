"""Single sign-on on the login pages: the address form, and the staff's provider."""

from django import template

from sso.forms import IdentityProviderFindForm
from sso.models import IdentityProvider
from sso.selectors import staff_identity_provider

register = template.Library()


@register.simple_tag
def staff_login_provider():
    return staff_identity_provider()


@register.simple_tag
def identity_provider_find_form():
    """The form that finds an organisation's login, when any organisation has one."""
    if not IdentityProvider.objects.filter(is_active=True).exists():
        return None
    return IdentityProviderFindForm(auto_id="id_sso_%s")
