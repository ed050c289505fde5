"""Monitoring signals: Alertmanager and Sentry webhooks that open and resolve issues."""
