"""Checks on uploaded files: count, size, and a type judged by the content, not only the name."""

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from paqt_support.exceptions import ApplicationError

# Leading bytes that a file of each type must start with. Office Open XML and
# OpenDocument files are ZIP containers.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
_ZIP_BASED = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}
_TEXT_TYPES = {"text/plain", "text/csv", "application/json"}
_EXTRA_TYPES = {".log": "text/plain", ".md": "text/plain", ".json": "application/json"}

# Types a browser runs as a page of our origin. Refused whatever ATTACHMENT_ALLOWED_TYPES
# says, and refused too when text that claims another type turns out to be one of them.
NEVER_ACCEPTED = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
_MARKUP_START = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<!--)", re.IGNORECASE)

# Types sent as what they are; any other goes out as opaque bytes, so that no browser ever
# treats an upload as a page or a script of our origin.
SAFE_DOWNLOAD_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "text/csv"}
)


class AttachmentRejected(ApplicationError):
    code = "attachment-rejected"


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    name: str
    content_type: str
    size: int


def safe_filename(name: str) -> str:
    """Return a display name without paths, control characters or odd punctuation."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return base[:200] or "file"


def _type_from_name(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0]


def _content_matches(content_type: str, head: bytes) -> bool:
    if content_type in _ZIP_BASED:
        return head.startswith(_SIGNATURES["application/zip"])
    if content_type in _TEXT_TYPES:
        if b"\x00" in head or _MARKUP_START.match(head.lstrip(b"\xef\xbb\xbf")):
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # The sample may end inside a multi-byte character.
            return exc.start >= len(head) - 3
        return True
    return head.startswith(_SIGNATURES.get(content_type, (b"\x00never",)))


def attachment_check(file: UploadedFile) -> CheckedUpload:
    """Return the upload with a safe name and its real type, or raise ``AttachmentRejected``."""
    name = safe_filename(file.name or "")
    if file.size is None or file.size == 0:
        raise AttachmentRejected(_("%(name)s is empty.") % {"name": name}, field="attachments")
    if file.size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRejected(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
            field="attachments",
        )
    content_type = _type_from_name(name)
    if content_type in NEVER_ACCEPTED or content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise AttachmentRejected(
            _(
                "%(name)s is not a file type we accept. Allowed are PDF, images, text, CSV, "
                "office documents and ZIP files."
            )
            % {"name": name},
            field="attachments",
        )
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if not _content_matches(content_type, head):
        raise AttachmentRejected(
            _("The content of %(name)s does not match its file type.") % {"name": name},
            field="attachments",
        )
    return CheckedUpload(file=file, name=name, content_type=content_type, size=file.size)


def attachments_check(files) -> list[CheckedUpload]:
    """Check a whole upload: the number of files and each file."""
    files = list(files or [])
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise AttachmentRejected(
            _("You can add at most %(count)d files at once.")
            % {"count": settings.ATTACHMENT_MAX_FILES},
            field="attachments",
        )
    return [attachment_check(f) for f in files]


def attachment_response(attachment) -> FileResponse:
    """Return ``attachment`` as a download that no browser shows inline or runs.

    Raise ``FileNotFoundError`` when the file is gone from storage.
    """
    handle = attachment.file.open("rb")
    content_type = (
        attachment.content_type
        if attachment.content_type in SAFE_DOWNLOAD_TYPES
        else "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
