"""Claude Code settings files: locating and reading the layers (layers.py), writing them (writer.py)."""
