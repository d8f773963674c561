"""Other trackers in and out: MLflow's file store and SQLite database imported as run folders,
runs pushed to a team MLflow server."""
