"""nmrf: a workflow and deadline engine for national mechanisms for reporting and follow-up.

The folders flows/, models/, calendars/ and notifications/ at the repository's root are
installed as nmrf.flows, nmrf.models, nmrf.calendars and nmrf.notifications (pyproject.toml).
"""
