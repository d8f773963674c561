"""Installs the test suite's network guard in every Python process a test starts."""

import wb_offline

wb_offline.install()
