"""Events: incidents from many articles merged into real-world events."""
