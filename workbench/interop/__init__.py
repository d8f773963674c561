"""Interop: other trackers' files in (MLflow's file store and SQLite database, CSV loggers,
imported as run folders), the catalog's contents out, runs pushed to a team MLflow server."""
