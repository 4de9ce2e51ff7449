"""The library run that every command and the service call: a feed end to end (inputs, resume, the database
sink, batch submission, the --max-cost budget, the pre-filter, events after a database run), batch jobs opened
again to follow and collect, and evaluation runs on golden sets and benchmarks. It sits above the stages it
drives (feeds, pipeline, store, events, evaluation); the CLI parses options, calls one of these and prints."""

from .. import lazy_exports

_EXPORTS = {
    "OpenedJob": "batch",
    "collect_job": "batch",
    "job_status": "batch",
    "open_job": "batch",
    "open_db_sink": "database",
    "rebuild_events": "database",
    "same_event_judge": "database",
    "BenchRun": "evaluate",
    "SetEvaluation": "evaluate",
    "bench_muc4": "evaluate",
    "cluster_scores_of": "evaluate",
    "evaluate_golden": "evaluate",
    "run_cluster_scores": "evaluate",
    "RunHooks": "run",
    "RunOutcome": "run",
    "RunRequest": "run",
    "execute_run": "run",
    "Prepared": "setup",
    "Setup": "setup",
    "build_backend": "setup",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
