"""The town index built when the wheel is built (`gazetteer.sqlite`, see geo/index_store.py); not in git."""
