"""Scheduled nudges, run like a job queue on the ``nudge_deliveries`` ledger (ARCHITECTURE.md, "The nudge path")."""
