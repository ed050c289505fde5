"""The signature of a webhook delivery: HMAC-SHA256 over the timestamp and the body."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-PAQT-Signature"
TIMESTAMP_HEADER = "X-PAQT-Timestamp"
EVENT_HEADER = "X-PAQT-Event"
DELIVERY_HEADER = "X-PAQT-Delivery"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return ``sha256=<hex>`` of HMAC-SHA256 with ``secret`` over ``"<timestamp>." + body``.

    ``timestamp`` is in whole seconds since the Unix epoch (UTC). Signing it with the body
    lets a receiver refuse an old delivery sent again by someone who recorded it.
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_matches(*, secret: str, timestamp: int, body: bytes, sent: str) -> bool:
    """Return whether ``sent`` is the signature of ``body`` at ``timestamp``, in constant time."""
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), sent)
