"""Catalog commands: ingest, watch, runs, show, metrics, compare, sql, projects, doctor."""

from __future__ import annotations

COMMANDS: list = []
