"""Ingest: read the client's exports, map their columns, type their values, report every problem."""

from .frames import as_data_frame
from .guards import check_file
from .loader import ingest, load_source
from .tables import IngestResult, SourceTable

__all__ = ["as_data_frame", "check_file", "ingest", "IngestResult", "load_source", "SourceTable"]
