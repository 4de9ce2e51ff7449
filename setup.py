"""The build step pyproject.toml cannot say: the town index (extractor/geo/data/gazetteer.sqlite) is built when
the package is, so that an installed wheel never builds it on a user's first run (geo/index_store.py)."""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithTownIndex(build_py):
    def run(self) -> None:
        super().run()
        # An editable install reads the package from the source tree: the index goes there (ignored by git).
        target = ROOT / "extractor" / "geo" / "data" if self.editable_mode else Path(self.build_lib) / "extractor/geo/data"
        sys.path.insert(0, str(ROOT))
        try:
            from extractor.geo.index_store import write_shipped

            print(f"building the town index into {write_shipped(target)}")
        finally:
            sys.path.remove(str(ROOT))


setup(cmdclass={"build_py": BuildWithTownIndex})
