# One image for web, worker and beat; the command differs per service (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=paqt_support.settings \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

RUN apt-get update \
 && apt-get install -y --no-install-recommends curl libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system app && useradd --system --gid app --home /app app

COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

COPY . .
# collectstatic needs settings but no secrets or services: give it throwaway values.
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost EMAIL_URL=consolemail:// \
    python manage.py collectstatic --no-input \
 && mkdir -p /app/var && chown -R app:app /app/var

USER app
EXPOSE 8000
# Set PROMETHEUS_MULTIPROC_DIR (as docker-compose.yml does) so /metrics counts every worker.
CMD ["gunicorn", "paqt_support.wsgi:application", "--config", "paqt_support/gunicorn.py"]
