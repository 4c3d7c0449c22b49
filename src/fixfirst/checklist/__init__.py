"""Consultation checklists: the library of diagnostic questions, the answers file, and their scores."""

from .answer_types import ANSWER_KINDS, AnswerKind, AnswerType
from .model import (
    Checklist,
    ChecklistItem,
    ChecklistSection,
    find_checklist,
    library,
    load_checklist,
)

__all__ = [
    "ANSWER_KINDS", "AnswerKind", "AnswerType", "Checklist", "ChecklistItem", "ChecklistSection", "find_checklist", "library",
    "load_checklist",
]
