"""Renderers: one module per nudge kind, each a ``render(session, Context, DeliveryRow) -> Message | Skip``."""
