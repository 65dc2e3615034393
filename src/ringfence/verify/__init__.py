"""`ringfence verify`: an adversarial escape suite against this machine's own setup.

probes/ (the escapes, as data) run in worlds (world.py, services.py) through a backend
(backends.py) by the runner (runner.py, with driver.py and forkserver.py on the host
side of each run); result.py holds the outcome, report/ renders it, command.py is the CLI.
"""
