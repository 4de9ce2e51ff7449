"""Batch runs: submit a feed's articles through the Batch API, and collect the answers later through the same
front, re-ask policy, validation, date resolution, figure check, grounding, cache and writers as a synchronous run.

A job lives in `<cache dir>/batches/<job id>/` (the job id is its first batch's id): `articles.jsonl` (the
articles sent, written once) and `state.json` (`state.py`: the job's state, rewritten atomically). `submit.py`
sends a job, `collect.py` reads its finished batches and sends the follow-ups.
"""

from __future__ import annotations

from .collect import CollectResult, collect, status
from .state import BatchJob, BatchRequest, BatchRound, JobState, jobs_dir, load_job
from .submit import submit

__all__ = ["BatchJob", "BatchRequest", "BatchRound", "CollectResult", "JobState", "collect", "jobs_dir", "load_job",
           "status", "submit"]  # fmt: skip
