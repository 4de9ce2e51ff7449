"""Jinja2 templates, CSS and JS of the review page (data files)."""
