"""A batch job's state is a pydantic model read from and written to state.json in the format jobs were always
saved in: a job submitted by an earlier version is read, collected and saved again without losing a key."""

from __future__ import annotations

import json
from pathlib import Path

from extractor.pipeline.batch import JobState, load_job

# state.json as the earlier, dict-based version wrote it (one collected round, one follow-up pending).
LEGACY = {
    "job": "batch_0",
    "created": "2026-11-30T10:00:00+00:00",
    "identity": {"model": "m", "endpoint": "http://127.0.0.1:9/v1", "prompt_hash": "p", "schema_hash": "s",
                 "config_hash": "c"},
    "drop_ungrounded": True,
    "output": "/tmp/out.jsonl",
    "settings": {"model": "m", "max_reasks": 2},
    "prompt": {"name": "extract-v3", "text": "..."},
    "rounds": [
        {"batch_id": "batch_0", "kind": "first", "ids": ["0-aa", "1-bb"], "collected": True},
        {"batch_id": "batch_1", "kind": "follow-up", "ids": ["1-bb"], "collected": False},
    ],
    "requests": {
        "0-aa": {"article_id": "a1", "status": "done", "tries": 1, "invalid": 0, "reasks": 0, "history": None,
                 "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cached_tokens": 0},
                 "warnings": [], "error": None},
        "1-bb": {"article_id": "a2", "status": "pending", "tries": 2, "invalid": 1, "reasks": 1,
                 "history": [{"role": "assistant", "content": "{"}, {"role": "user", "content": "invalid"}],
                 "usage": {"prompt_tokens": 20, "completion_tokens": 4, "total_tokens": 24, "cached_tokens": 0},
                 "warnings": ["cut"], "error": None},
    },
    "unsent": [],
}  # fmt: skip


def _write(root: Path, state: dict) -> Path:
    directory = root / "batches" / state["job"]
    directory.mkdir(parents=True)
    (directory / "state.json").write_text(json.dumps(state))
    return directory


def test_a_job_saved_by_the_dict_version_is_read_into_the_model(tmp_path: Path) -> None:
    _write(tmp_path, LEGACY)
    job = load_job(tmp_path, "batch_0")
    assert isinstance(job.state, JobState) and job.id == "batch_0" and job.state.drop_ungrounded is True
    assert job.pending_batches == ["batch_1"] and job.counts() == {"pending": 1, "done": 1, "failed": 0}
    pending = job.state.requests["1-bb"]
    assert (pending.tries, pending.invalid, pending.reasks, pending.usage.total_tokens) == (2, 1, 1, 24)
    assert pending.history[0] == {"role": "assistant", "content": "{"}


def test_saving_writes_the_same_format_back_and_keeps_unknown_keys(tmp_path: Path) -> None:
    directory = _write(tmp_path, LEGACY | {"note": "from a newer version"})
    job = load_job(tmp_path)
    job.save()
    assert json.loads((directory / "state.json").read_text()) == LEGACY | {"note": "from a newer version"}


def test_a_state_of_the_wrong_shape_is_refused_with_what_is_wrong(tmp_path: Path) -> None:
    import pytest

    from extractor.errors import OutputError

    broken = json.loads(json.dumps(LEGACY))
    broken["requests"]["0-aa"]["status"] = "lost"
    _write(tmp_path, broken)
    with pytest.raises(OutputError, match=r"is incomplete \(requests\.0-aa\.status"):
        load_job(tmp_path, "batch_0")
