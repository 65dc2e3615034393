"""Fixtures for the proxy tests: real origins on loopback and a proxy factory."""
from __future__ import annotations

import pytest

from proxy_helpers import HalfCloseOrigin, Origin, ProxyHarness, TLSOrigin, make_cert


@pytest.fixture
def origin():
    server = Origin()
    yield server
    server.close()


@pytest.fixture(scope="session")
def cert(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_origin(cert):
    server = TLSOrigin(*cert)
    yield server
    server.close()


@pytest.fixture
def half_close_origin():
    server = HalfCloseOrigin()
    yield server
    server.close()


@pytest.fixture
def make_proxy(tmp_path):
    """make_proxy(allow=[...], deny=[...], limits=..., tcp=False) -> ProxyHarness."""
    started = []

    def make(allow=(), deny=(), **kw):
        directory = tmp_path / f"proxy{len(started)}"
        directory.mkdir()
        harness = ProxyHarness(directory,
                               allow, deny, **kw)
        started.append(harness)
        return harness

    yield make
    for harness in started:
        harness.stop()
