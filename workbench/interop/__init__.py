"""Interop: other trackers' files in, the catalog's contents out."""
