"""Output formats of ``ringfence scan``: one module per format, each ``render(report) -> str``."""
