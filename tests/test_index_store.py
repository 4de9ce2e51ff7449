"""The town index in SQLite (geo/index_store.py): what is stored reads back the same; a file whose key is not the
index's is never read; building says so on stderr once and stores the file for the next process."""

from __future__ import annotations

import sqlite3

import pytest

from extractor.geo import index_store

VALUE = (
    (("Lima", "PE", "15", -12.04, -77.03, 7737002, "Lima", ""), ("Lima", "US", "OH", 40.74, -84.1, 38355, "", "Allen")),
    {"lima": (1, 3), "ciudad de los reyes": (0,)},
    {("PE", "15"): "Lima"},
    {("PE", "Lima"): 0},
    {("PE", "15"): "Lima"},
    {"XK": "Kosovo"},
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EXTRACT_CACHE_DIR", str(tmp_path))
    return tmp_path / "index"


def build_counting(built):
    def build():
        built.append(1)
        return VALUE

    return build


def test_the_stored_index_reads_back_what_was_built(cache, capsys):
    built = []
    index = index_store.open_index("k1", build_counting(built))
    assert built == [1] and "building the town index" in capsys.readouterr().err
    assert index.cities[0] == index_store.City(*VALUE[0][0]) and index.cities[1].admin2 == "Allen"
    assert len(index.cities) == 2
    with pytest.raises(IndexError):
        index.cities[2]
    assert index.by_name.get("lima") == (1, 3) and index.by_name.get("ciudad de los reyes") == (0,)
    assert "lima" in index.by_name and "paris" not in index.by_name and index.by_name.get("paris", ()) == ()
    assert (index.regions, index.region_seats, index.town_regions, index.country_names) == VALUE[2:]
    assert (cache / "gazetteer-k1.sqlite").is_file()


def test_a_second_process_opens_the_stored_file_without_building(cache, capsys):
    index_store.open_index("k1", build_counting([]))
    capsys.readouterr()
    built = []
    index = index_store.open_index("k1", build_counting(built))
    assert built == [] and capsys.readouterr().err == ""
    assert index.by_name.get("lima") == (1, 3)


def test_a_file_built_under_another_key_is_not_read(cache):
    cache.mkdir(parents=True)
    other = list(VALUE)
    other[1] = {"lima": (2,)}
    index_store.write(cache / "gazetteer-k2.sqlite", "k1", tuple(other))  # a file whose stored key is k1
    built = []
    index = index_store.open_index("k2", build_counting(built))
    assert built == [1] and index.by_name.get("lima") == (1, 3)


def test_a_read_only_cache_dir_builds_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("EXTRACT_CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a directory")
    index = index_store.open_index("k3", build_counting([]))
    assert index.by_name.get("lima") == (1, 3)


def test_the_file_is_written_whole_and_opened_read_only(cache):
    cache.mkdir(parents=True)
    path = cache / "gazetteer-k4.sqlite"
    index_store.write(path, "k4", VALUE)
    assert [p.name for p in cache.iterdir()] == [path.name]  # no partial file left
    db = index_store._open(path, "k4")
    with pytest.raises(sqlite3.OperationalError):
        db.execute("DELETE FROM names")
