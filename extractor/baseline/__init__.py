"""The offline baseline: a deterministic rules backend (no key, no network, no model) and its lexicons."""

from .extractor import BaselineBackend, extract_incidents

__all__ = ["BaselineBackend", "extract_incidents"]
