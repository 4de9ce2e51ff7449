"""Records in and out: the JSONL/CSV writers, the one reader, resume, and the store of evaluation runs."""

from .records import read_records, records_by_id
from .resume import prepare_resume
from .runs import DEFAULT_RUNS_DIR, Manifest, load_predictions, predictions_path
from .writers import FORMATS, CsvWriter, JsonlWriter, RecordWriter, open_writer

__all__ = [
    "DEFAULT_RUNS_DIR",
    "FORMATS",
    "CsvWriter",
    "JsonlWriter",
    "Manifest",
    "RecordWriter",
    "load_predictions",
    "open_writer",
    "predictions_path",
    "prepare_resume",
    "read_records",
    "records_by_id",
]
