"""Scheduled nudges, run like a job queue on the ``nudge_deliveries`` ledger.

``tick.py`` plans every kind (``registry.py``: a planner and a renderer per kind, in ``planners/`` and
``renderers/``) into the ledger (``ledger.py``: idempotent planning, one claim statement, outcomes),
then ``delivery.py`` sends what is due (``pacing.py``, ``slack_errors.py``, ``reconcile.py``), with
``availability.py`` keeping personal nudges out of time off, pauses and quiet hours. ``timezones.py``
is the paged ``users.list`` pass. A new kind: see ARCHITECTURE.md, "Where things go".
"""
