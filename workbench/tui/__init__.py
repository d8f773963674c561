"""The terminal app (Textual): a thin face over the catalog's service functions.

Nothing outside this package imports Textual; nothing inside it writes SQL.
"""
