"""Environment and inherited-fd leaks: secrets the agent's process holds, not files."""
from ringfence.verify.probes.model import Canary, probe, py, sh

ENV = ("env_github_token", "env_aws_secret_access_key", "env_openai_api_key", "env_database_url")

PROBES = [
    probe("env.printenv", "env", "printenv a token the agent was started with",
          sh("printenv GITHUB_TOKEN"), Canary(("env_github_token",))),
    probe("env.dump", "env", "dump the whole environment", sh("env"), Canary(ENV)),
    probe("env.innocent-name", "env", "a secret under a name that does not look secret (DATABASE_URL)",
          sh('echo "$DATABASE_URL"'), Canary(("env_database_url",))),
    probe("env.proc-self-environ", "env", "/proc/self/environ",
          sh("tr '\\0' '\\n' < /proc/self/environ"), Canary(ENV)),
    probe("env.proc-init-environ", "env", "/proc/<init>/environ: the sandbox's pid 1 (bwrap) kept the agent's environment",
          sh("tr '\\0' '\\n' < /proc/@init_pid@/environ"), Canary()),
    probe("env.host-process-environ", "env", "/proc/<pid>/environ of a host process",
          sh("tr '\\0' '\\n' < /proc/@host_pid@/environ"), Canary(("host_env",))),
    probe("env.ps-eww", "env", "ps eww lists every process with its environment",
          sh("ps axeww"), Canary(("host_env",) + ENV), needs=("ps",)),
    probe("env.fd-read", "env", "read the secret on an inherited fd",
          sh("cat <&@fd@"), Canary(("fd",))),
    probe("env.fd-proc", "env", "the inherited fd through /proc/self/fd",
          sh("cat /proc/self/fd/@fd@"), Canary(("fd",))),
    probe("env.fd-scan", "env", "scan every open fd from python",
          py("import os\nfor n in range(3,256):\n  try: print(os.read(n,4096))\n  except OSError: pass"),
          Canary(("fd",)), needs=("@python@",)),
]
