"""The customer journey: touchpoints and transitions, as a NetworkX graph."""

from .kinds import StepKind, infer_kind
from .model import ORDER_METRICS, Journey, JourneySpec, Touchpoint, Transition, journey_from_spec, load_journey

__all__ = ["infer_kind", "Journey", "journey_from_spec", "JourneySpec", "load_journey", "ORDER_METRICS", "StepKind", "Touchpoint", "Transition"]
