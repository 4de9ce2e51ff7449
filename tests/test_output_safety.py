"""No command destroys a file it was not asked to replace: its own input, a database, or a file of another kind
is refused in one line (exit 2) and left byte for byte as it was; `--force` replaces one deliberately; a
re-run replaces its own earlier output; exports, pages and the schema are written beside their target and
renamed into place, so a failure leaves the earlier file whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import OutputError
from extractor.outputs import EXPORT, AtomicFile, check_output

from .conftest import GOLDEN_FEED

runner = CliRunner()
NOTES = "my notes: do not lose\n"


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def refused(result, says: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and says in errors[0], result.stderr


def articles_jsonl(path: Path, n: int = 200) -> bytes:
    lines = [json.dumps({"id": f"a{i}", "title": f"Report {i}", "text": "Gunmen killed two people in Kano, Nigeria."})
             for i in range(n)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path.read_bytes()


def seed_db(path: Path) -> bytes:
    assert invoke("run", str(GOLDEN_FEED), "--db", str(path), "-q", "--no-events").exit_code == 0
    return path.read_bytes()


def test_run_refuses_to_write_onto_its_input():
    before = articles_jsonl(Path("a.jsonl"))
    refused(invoke("run", "a.jsonl", "-o", "a.jsonl", "-q"), "is this command's input")
    refused(invoke("run", "a.jsonl", "-o", "./a.jsonl", "--force", "-q"), "is this command's input")  # not even forced
    refused(invoke("run", "a.jsonl", "-o", "a.jsonl", "--resume", "-q"), "a.jsonl")
    assert Path("a.jsonl").read_bytes() == before


def test_export_refuses_to_write_onto_its_database():
    before = seed_db(Path("g.db"))
    refused(invoke("export", "--db", "g.db", "-o", "g.db"), "is this command's input")
    assert Path("g.db").read_bytes() == before


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_run_refuses_a_foreign_file_and_force_replaces_it(fmt):
    Path("notes.txt").write_text(NOTES)
    refused(invoke("run", str(GOLDEN_FEED), "--format", fmt, "-o", "notes.txt", "-q"), "is not a")
    assert Path("notes.txt").read_text() == NOTES
    assert invoke("run", str(GOLDEN_FEED), "--format", fmt, "-o", "notes.txt", "-q", "--force").exit_code == 0
    assert Path("notes.txt").read_text() != NOTES


def test_run_refuses_a_database_and_a_feed():
    before = seed_db(Path("g.db"))
    refused(invoke("run", str(GOLDEN_FEED), "-o", "g.db", "-q"), "is a database")
    assert Path("g.db").read_bytes() == before
    Path("other.xml").write_bytes(GOLDEN_FEED.read_bytes())
    refused(invoke("run", str(GOLDEN_FEED), "-o", "other.xml", "-q"), "is not a JSONL run output")
    assert Path("other.xml").read_bytes() == GOLDEN_FEED.read_bytes()


def test_a_rerun_replaces_its_own_output_of_the_same_kind():
    assert invoke("run", str(GOLDEN_FEED), "-o", "out.jsonl", "-q").exit_code == 0
    first = Path("out.jsonl").read_bytes()
    assert invoke("run", str(GOLDEN_FEED), "-o", "out.jsonl", "-q").exit_code == 0
    assert len(Path("out.jsonl").read_bytes().splitlines()) == len(first.splitlines()) == 10
    refused(invoke("run", str(GOLDEN_FEED), "--format", "csv", "-o", "out.jsonl", "-q"), "is not a CSV run output")


def test_export_review_and_schema_refuse_foreign_files_and_replace_their_own():
    seed_db(Path("g.db"))
    for args in (["export", "--db", "g.db", "-o", "notes.txt"], ["review", "--db", "g.db", "-o", "notes.txt"],
                 ["schema", "-o", "notes.txt"]):  # fmt: skip
        Path("notes.txt").write_text(NOTES)
        refused(invoke(*args), "is not a")
        assert Path("notes.txt").read_text() == NOTES, args
        target = args[-1].replace("notes.txt", f"own-{args[0]}")
        own = [*args[:-1], target]
        assert invoke(*own).exit_code == 0, own
        assert invoke(*own).exit_code == 0, f"{own}: a second run must replace the first's output"
        assert invoke(*args, "--force").exit_code == 0
        assert Path("notes.txt").read_text() != NOTES
    refused(invoke("export", "--db", "g.db", "-o", "own-review"), "is not an export")


def test_review_refuses_to_write_onto_the_run_it_reads():
    assert invoke("run", str(GOLDEN_FEED), "-o", "out.jsonl", "-q").exit_code == 0
    before = Path("out.jsonl").read_bytes()
    refused(invoke("review", "out.jsonl", "--feed", str(GOLDEN_FEED), "-o", "out.jsonl"), "is this command's input")
    assert Path("out.jsonl").read_bytes() == before


def test_system_paths_are_one_line_errors():
    refused(invoke("run", str(GOLDEN_FEED), "-o", "/proc/version", "-q"), "/proc/version")
    refused(invoke("run", str(GOLDEN_FEED), "-o", ".", "-q"), "is a directory")
    if Path("/dev/full").exists():
        refused(invoke("run", str(GOLDEN_FEED), "-o", "/dev/full", "-q"), "cannot write /dev/full")
    assert invoke("run", str(GOLDEN_FEED), "-o", os.devnull, "-q").exit_code == 0  # a device is written, not replaced
    Path("notes.txt").write_text(NOTES)
    refused(invoke("eval", "--runs-dir", "notes.txt", "-q"), "is not a folder")
    assert Path("notes.txt").read_text() == NOTES


def test_a_failed_write_leaves_the_earlier_file_whole(tmp_path):
    target = tmp_path / "events.csv"
    target.write_text("event_id,title\ne1,old\n")
    with pytest.raises(RuntimeError), AtomicFile(target) as out:
        out.write("event_id,title\n")
        raise RuntimeError("the export failed half-way")
    assert target.read_text() == "event_id,title\ne1,old\n"
    assert not list(tmp_path.glob("*.partial")), "the partial file is removed"
    with AtomicFile(target) as out:
        out.write("event_id,title\ne2,new\n")
    assert target.read_text() == "event_id,title\ne2,new\n"


def test_the_kind_is_read_from_the_content_not_the_name(tmp_path):
    disguised = tmp_path / "export.csv"
    disguised.write_text("name,phone\nAda,123\n")
    with pytest.raises(OutputError, match="is not an export"):
        check_output(disguised, EXPORT)
    (tmp_path / "empty.csv").write_text("")
    check_output(tmp_path / "empty.csv", EXPORT)  # an empty file holds nothing to lose
    check_output(tmp_path / "new.csv", EXPORT)


def test_golden_export_refuses_a_foreign_file_and_its_database(tmp_path):
    Path("notes.txt").write_text(NOTES)
    before = seed_db(Path("g.db"))
    refused(invoke("golden", "export", "--db", "g.db", "-o", "notes.txt"), "is not a golden labels file")
    refused(invoke("golden", "export", "--db", "g.db", "-o", "g.db"), "is this command's input")
    refused(invoke("golden", "export", "--db", "g.db", "--articles", "notes.txt"), "is not a JSONL file of articles")
    assert Path("notes.txt").read_text() == NOTES and Path("g.db").read_bytes() == before
