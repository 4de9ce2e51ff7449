"""The offline baseline: a deterministic rules backend (no key, no network, no model) and its lexicons."""

from .. import lazy_exports

_EXPORTS = {
    "BaselineBackend": "extractor",
    "extract_incidents": "extractor",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
