"""Calendar feeds that people subscribe to: per person, per institution, per cycle, the secretariat's.

- ``items``: what a feed is made of (plain data).
- ``text``: what an event says: what is due, for which report, to whom, how to record it (pure).
- ``audience``: who sees which milestone or meeting, confidentiality included (pure).
- ``build``: items in, iCalendar bytes out, ``now`` passed in (pure).
- ``sources``: the database read that gathers a feed's items.
- ``links``: private subscription links (token, hash, rotation, revocation).
- ``serving``: what the HTTP server needs beyond the builder: the cache, Last-Modified, conditional answers.
- ``meetings``: meetings the secretariat calls outside a cycle's template.
- ``export``: every feed as a file, for an existing web server.
"""
