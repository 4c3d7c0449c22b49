"""Configuration: everything read from YAML (engagement, settings, calendar, lexicons, playbook, presets); imports no stage."""

from .boundary import OutsideEngagement, inside_boundary, real_path
from .calendar import WorkingCalendar
from .engagement import (
    AUDIT_FILE,
    STACKABLE_KINDS,
    ActionUpdate,
    Audit,
    BusinessType,
    Change,
    Client,
    Engagement,
    Promise,
    ReportOptions,
    Sector,
    SourceSpec,
    load_engagement,
)
from .lexicons import (
    WHOLE_WORD_MARK,
    Lexicon,
    arrow_word_start,
    default_lexicon,
    fold,
    fold_texts,
    known_topics,
    phrase_rule,
    python_phrase_pattern,
)
from .logo import logo_data_uri
from .playbook import EFFORT_DAYS, EFFORT_ORDER, SHIPPED_PLAYBOOK, KpiSpec, Play, Playbook
from .presets import PRESETS, Preset
from .settings import (
    Capacity,
    Feedback,
    Ingest,
    MetricRule,
    Metrics,
    Orders,
    ProcessRules,
    Settings,
    Simulation,
    TargetRules,
    settings_with,
)
from .yamlfile import MAX_YAML_BYTES, YamlRefused, load_model, load_yaml, parse_yaml, validation_problems

__all__ = ["ActionUpdate", "arrow_word_start", "Audit", "AUDIT_FILE", "BusinessType", "Capacity", "Change", "Client", "default_lexicon", "EFFORT_DAYS", "EFFORT_ORDER", "Engagement", "Feedback", "fold", "fold_texts", "Ingest", "inside_boundary", "known_topics", "KpiSpec", "Lexicon", "load_engagement", "load_model", "load_yaml", "logo_data_uri", "MAX_YAML_BYTES", "MetricRule", "Metrics", "Orders", "OutsideEngagement", "parse_yaml", "phrase_rule", "Play", "Playbook", "Preset", "PRESETS", "ProcessRules", "Promise", "python_phrase_pattern", "real_path", "ReportOptions", "Sector", "Settings", "settings_with", "SHIPPED_PLAYBOOK", "Simulation", "SourceSpec", "STACKABLE_KINDS", "TargetRules", "validation_problems", "WHOLE_WORD_MARK", "WorkingCalendar", "YamlRefused"]
