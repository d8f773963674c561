"""Screens of the terminal app: runs browser, run detail, help, and the modals they open."""
