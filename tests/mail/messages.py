"""Incoming test messages, built as mail programs send them."""

from email.message import EmailMessage
from email.utils import make_msgid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def message(
    *,
    sender: str,
    subject: str = "Zaaksysteem geeft een foutmelding",
    text: str | None = "Bij het openen van een zaak verschijnt fout 500.",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    message_id: str | None = None,
) -> bytes:
    """Return the bytes of a message from ``sender``."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@example.org"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="gemeente.example")
    for name, value in (headers or {}).items():
        mail[name] = value
    if text is not None:
        mail.set_content(text)
        if html is not None:
            mail.add_alternative(html, subtype="html")
    elif html is not None:
        mail.set_content(html, subtype="html")
    for filename, content, content_type in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()


OUTLOOK_HTML = """<html><head><style>p {margin:0}</style></head><body>
<div>Goedemorgen,</div><div><br></div>
<div>Het <b>zaaksysteem</b> is weer traag &amp; geeft fouten.</div>
<script>alert(1)</script>
<div id="divRplyFwdMsg"><hr><b>Van:</b> PAQT Support<br><b>Verzonden:</b> maandag<br>
Oude tekst die niet mee moet.</div></body></html>"""

# A delivery report, as a mail server sends it back for an address that does not exist.
BOUNCE = (
    b"From: MAILER-DAEMON@mail.example\r\nTo: support@example.org\r\n"
    b"Subject: Undelivered\r\nMessage-ID: <bounce-1@mail.example>\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n"
    b"--x\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n--x--\r\n"
)
