"""Renderers: one module per nudge kind, each a ``render(session, RenderContext, DeliveryRow) -> Message | Skip``."""
