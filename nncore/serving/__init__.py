"""Serving a class from one process: results shared by every session, stored results, trainer slots."""
