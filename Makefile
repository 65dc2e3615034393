# ringfence: `make demo` and `make test` do all the set-up on a fresh Debian/Ubuntu machine.
# They install what is missing (apt packages, a virtual environment) and then run.

SHELL      := /bin/bash
PYTHON     ?= python3
VENV       := .venv
VPY        := $(VENV)/bin/python
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# System packages ringfence and its test suite use:
#   bubblewrap  the namespace sandbox            socat     used by tests as a neutral TCP client
#   ripgrep     the floor of bench/scan_speed.py  chromium  renders `verify --html` in tests
#   nodejs npm  the real Claude Code binary and sandbox-runtime (tests, benches)
#   iproute2 procps git curl rsync  probes and tests (verify copies secrets with rsync too)
#   gcc libc6-dev  build the compiled inner stage (src/ringfence/sandbox/inner.c)
APT_PKGS   := bubblewrap socat ripgrep chromium nodejs iproute2 procps git curl ca-certificates rsync gcc libc6-dev
INNER      := src/ringfence/sandbox/ringfence-inner
PYTEST_ARGS ?=

.PHONY: all setup system venv inner test demo bench clean

all: test

system:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "ringfence: installing system packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# Debian's nodejs ships npm separately; NodeSource's nodejs includes it.
	@command -v npm >/dev/null || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm

$(VENV)/.stamp: pyproject.toml
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" || { echo "ringfence: Python >= 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test]'
	@# bytecode for the hot paths (run, hook), even where PYTHONDONTWRITEBYTECODE is set
	$(VPY) -m compileall -q src
	touch $@

venv: $(VENV)/.stamp

# The inner stage, compiled: ~1 ms instead of ~20 for the Python one (inner.py), which
# ringfence uses when this binary is missing or older than inner.c.
$(INNER): src/ringfence/sandbox/inner.c
	$${CC:-cc} -O2 -Wall -Wextra -Werror -o $@ $<

inner: $(INNER)

setup: system venv inner

test: setup
	@$(VPY) -m compileall -q src
	$(VENV)/bin/python -m pytest -q -n 2 -p no:cacheprovider $(PYTEST_ARGS)

demo: setup
	$(VPY) demo/demo.py

bench: setup
	for b in bench/*.py; do $(VPY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build src/*.egg-info $(INNER)
