"""Outbound integrations: webhooks signed as Standard Webhooks says, and Slack and Teams channels, sent by
the scheduler process from an outbox to targets checked against private addresses."""
