"""Events: incidents from many articles merged into real-world events (rules, clustering, stable ids, reconciled
figures, storage in the incident database)."""

from .. import lazy_exports

_EXPORTS = {
    "Rules": "rules",
    "DEFAULT_RULES": "rules",
    "Member": "rules",
    "Event": "models",
    "EventSource": "models",
    "cluster": "cluster",
    "build_events": "build",
    "event_labels": "build",
    "members_of": "build",
    "update_events": "storage",
    "load_events": "storage",
    "add_to_events": "incremental",
    "EventUpdate": "incremental",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
