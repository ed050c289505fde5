"""Portal pages about the contact's own organisation: the client admin's data export."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from accounts.views import client_admin_required
from clients import export


@client_admin_required
@require_http_methods(["GET", "POST"])
def client_export(request):
    """Explain the export on GET; on POST, download the organisation's data as JSON."""
    if request.method == "GET":
        return render(request, "clients/export.html", {"format_version": export.FORMAT_VERSION})
    document = export.client_export(admin=request.user)
    response = StreamingHttpResponse(document.chunks, content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    # Personal data: neither the browser nor a proxy on the way should keep a copy.
    patch_cache_control(response, no_store=True, private=True)
    return response
