"""Outgoing mail: one outbox that renders, queues, delivers and logs every message."""
