"""django-axes's lockout signal, handed to the unlock-link service."""

from accounts.lockout.services import unlock_link_offer


def account_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Receive ``axes.signals.user_locked_out``: offer the account's owner an unlock link."""
    if username:
        unlock_link_offer(username=str(username)[:150])
