"""Consultation checklists: the library of diagnostic questions, the answers file, and their scores."""

from .model import (
    AnswerType,
    Checklist,
    ChecklistItem,
    ChecklistSection,
    find_checklist,
    library,
    load_checklist,
)

__all__ = ["AnswerType", "Checklist", "ChecklistItem", "ChecklistSection", "find_checklist", "library", "load_checklist"]
