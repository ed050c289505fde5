"""Uploads: limits, types judged by content, never a page or an image that runs, safe names."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.api.conftest import token_client
from tests.portal.helpers import PDF, PNG, issue_file, log_in
from tests.two_factor import login_with_second_factor
from tickets.attachments import AttachmentRejected, attachments_check, safe_filename

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_file_over_the_size_limit_is_refused_with_its_name_and_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(AttachmentRejected, match=r"groot\.pdf is too large .* the limit is 1\.0"):
        attachments_check([upload("groot.pdf", PDF + b"x" * 2048)])


def test_more_files_than_the_limit_are_refused(settings):
    settings.ATTACHMENT_MAX_FILES = 2

    with pytest.raises(AttachmentRejected, match="at most 2 files"):
        attachments_check([upload(f"{n}.pdf", PDF) for n in range(3)])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("scan.png", PDF, id="pdf-named-png"),
        pytest.param("rapport.pdf", HTML, id="html-named-pdf"),
        pytest.param("logo.png", SVG, id="svg-named-png"),
        pytest.param("notitie.txt", HTML, id="html-named-text"),
        pytest.param("notitie.txt", b"\xef\xbb\xbf  " + SVG, id="svg-named-text-with-bom"),
        pytest.param("data.json", b"<?xml version='1.0'?><svg/>", id="xml-named-json"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused(name, content):
    with pytest.raises(AttachmentRejected, match="does not match its file type"):
        attachments_check([upload(name, content)])


@pytest.mark.parametrize("name", ["pagina.html", "pagina.htm", "logo.svg", "pagina.xhtml"])
def test_html_and_svg_are_refused_even_when_the_settings_allow_them(settings, name):
    settings.ATTACHMENT_ALLOWED_TYPES = [
        *settings.ATTACHMENT_ALLOWED_TYPES,
        "text/html",
        "image/svg+xml",
        "application/xhtml+xml",
    ]

    with pytest.raises(AttachmentRejected, match="not a file type we accept"):
        attachments_check([upload(name, HTML)])


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\jan\\Documents\\brief.pdf", "brief.pdf"),
        ("rapport\u202efdp.exe.pdf", "rapportfdp.exe.pdf"),
        ("naam\x00met\nnul.pdf", "naammetnul.pdf"),
        ('"><img src=x onerror=alert(1)>.png', "_img src_x onerror_alert(1)_.png"),
        ("...", "file"),
    ],
)
def test_names_lose_paths_control_characters_and_markup(given, kept):
    assert safe_filename(given) == kept


@pytest.fixture
def text_attachment(org):
    issue = issue_file(org, files=[upload("log.txt", b"regel 1\nregel 2\n", "text/plain")])
    return issue.attachments.get()


def _assert_download_only(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_portal_admin_and_api_all_serve_files_as_downloads_only(client, org, text_attachment):
    portal = log_in(client, org.contact).get(
        reverse("portal:attachment-download", args=[text_attachment.pk])
    )
    staff = login_with_second_factor(Client(), org.staff)
    admin = staff.get(reverse("admin:tickets_issue_attachment", args=[text_attachment.pk]))
    api = token_client(org.contact).get(
        f"/api/v1/issues/{text_attachment.issue.reference}/attachments/{text_attachment.pk}/content"
    )

    for response in (portal, admin, api):
        _assert_download_only(response)


def test_png_names_are_stored_sanitised(org):
    issue = issue_file(org, files=[upload("../../scherm<script>.png", PNG, "image/png")])

    assert issue.attachments.get().original_name == "scherm_script_.png"
