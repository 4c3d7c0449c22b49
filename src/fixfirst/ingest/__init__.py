"""Ingest: read the client's exports, map their columns, type their values, report every problem."""

from .loader import ingest, load_source
from .tables import IngestResult, SourceTable

__all__ = ["IngestResult", "SourceTable", "ingest", "load_source"]
