"""The REST API under /api/v1: issues, conversation, files, SLA, clients, agreements and on call."""
