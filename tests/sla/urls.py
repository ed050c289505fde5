"""The project's URLs plus the SLA report, until the project includes it itself."""

from django.urls import include, path

from paqt_support.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "sla" for pattern in urlpatterns):
    urlpatterns.append(path("sla/", include("sla.urls")))
