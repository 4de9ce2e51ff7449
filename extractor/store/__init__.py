"""Records in and out: the JSONL/CSV writers, the one reader, resume, the store of evaluation runs, and the
incident database (`open_db`: an SQLite file, or PostgreSQL for a postgresql:// URL) with its record sink."""

from .. import lazy_exports

_EXPORTS = {
    "read_records": "records",
    "records_by_id": "records",
    "prepare_resume": "resume",
    "DEFAULT_RUNS_DIR": "runs",
    "Manifest": "runs",
    "load_predictions": "runs",
    "predictions_path": "runs",
    "FORMATS": "writers",
    "CsvWriter": "writers",
    "JsonlWriter": "writers",
    "RecordWriter": "writers",
    "open_writer": "writers",
    "IncidentDB": "database",
    "open_db": "database",
    "DatabaseSink": "dbsink",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
