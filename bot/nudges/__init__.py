"""Scheduled nudges: what is due (planners), the ledger that remembers what was sent, delivery."""
