"""The review page: one self-contained HTML file of a run, a stored eval run or a database."""
