"""Reminders, escalation and delivery. The only package that imports apprise."""
