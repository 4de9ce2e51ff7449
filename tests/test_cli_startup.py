"""`extract --help` builds every command without importing the heavy parts (pydantic, asyncio, the run store)."""

from __future__ import annotations

import subprocess
import sys

from extractor.cli.options import DEFAULT_RUNS_DIR
from extractor.store.runs import DEFAULT_RUNS_DIR as STORE_DEFAULT


def test_the_cli_default_runs_folder_is_the_stores():
    assert DEFAULT_RUNS_DIR == STORE_DEFAULT


def test_building_the_commands_imports_no_pydantic_nor_asyncio():
    code = (
        "import sys, extractor.cli as c; c.app  # every command registered\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'asyncio', 'openai', 'httpx')"
        " or m in ('extractor.models', 'extractor.store.runs'))\n"
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]


def test_help_lists_the_commands():
    done = subprocess.run([sys.executable, "-c", "from extractor.cli import app; app()", "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    for command in ("run", "eval", "bench", "serve"):
        assert command in done.stdout
