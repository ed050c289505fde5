"""A minimal Django project that serves django-helpdesk for the side-by-side benchmark."""
