"""Consultation checklists: the library of diagnostic questions, the answers file, and their scores."""

from .answer_types import ANSWER_KINDS, AnswerKind, AnswerType
from .answers import ANSWERS_FOLDER, AnswerFile, answers_path, read_import
from .audience import Audience, engagement_audience
from .model import (
    Checklist,
    ChecklistItem,
    ChecklistSection,
    find_checklist,
    library,
    load_checklist,
)
from .plain import INTERRUPTED_EXIT, not_asked_sentence, run_plain
from .scoring import counts_toward_score, score_checklist
from .walkthrough import run_app

__all__ = ["ANSWER_KINDS", "AnswerFile", "AnswerKind", "ANSWERS_FOLDER", "answers_path", "AnswerType", "Audience", "Checklist", "ChecklistItem", "ChecklistSection", "counts_toward_score", "engagement_audience", "find_checklist", "INTERRUPTED_EXIT", "library", "load_checklist", "not_asked_sentence", "read_import", "run_app", "run_plain", "score_checklist"]
