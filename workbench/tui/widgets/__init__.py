"""Widgets of the terminal app: the runs table, projects list, filter bar and metric plot."""
