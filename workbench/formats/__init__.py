"""The run-folder format (see docs/run-format.md) and readers of other trackers' folders."""
