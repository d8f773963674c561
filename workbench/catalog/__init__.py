"""The catalog: one DuckDB file holding runs, params, metrics, artifacts, datasets and models."""
