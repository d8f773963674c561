"""`workbench serve`: the same terminal app in a local browser tab, through textual-serve.

Each tab is its own app process; the page, its assets and its websocket need a per-server token.
"""
