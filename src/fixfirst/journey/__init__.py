"""The customer journey: touchpoints and transitions, as a NetworkX graph."""

from .model import ORDER_METRICS, Journey, Touchpoint, Transition, load_journey

__all__ = ["ORDER_METRICS", "Journey", "Touchpoint", "Transition", "load_journey"]
