"""Two-factor authentication: an authenticator app (TOTP) with recovery codes, via django-otp."""
