"""Reports of a verify run: ``table`` (terminal), ``json`` and ``html``; each module has
``render(result) -> str`` and ``render_compare(results) -> str`` for ``--compare``."""
