"""Render a page in Debian's headless chromium: the DOM it built and a screenshot."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium(page: str, *args: str) -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="ringfence-chromium-")
    try:
        out = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, "file://" + page],
                             capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def dump_dom(page: str) -> str:
    return chromium(page, "--dump-dom")


def screenshot(page: str, png: str, size: str = "1400,1800") -> None:
    chromium(page, f"--screenshot={png}", f"--window-size={size}")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


class Dom(HTMLParser):
    """Elements of a page as (tag, attrs, text) with a small query helper."""

    def __init__(self, text: str):
        super().__init__()
        self.elements: list[dict] = []
        self._stack: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": "",
              "inside": {e["attrs"]["id"] for e in self._stack if "id" in e["attrs"]}}
        self.elements.append(el)
        if tag not in ("meta", "br", "link", "img", "input"):
            self._stack.append(el)

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for el in self._stack:
            el["text"] += data

    def find(self, tag: str | None = None, inside: str | None = None, **attrs) -> list[dict]:
        """Elements by tag and attributes (``data_x`` means ``data-x``), optionally within
        the element whose id is ``inside``."""
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and (inside is None or inside in e["inside"])
                and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def one(self, tag: str | None = None, inside: str | None = None, **attrs) -> dict:
        found = self.find(tag, inside, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]
