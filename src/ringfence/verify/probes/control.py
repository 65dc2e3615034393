"""Positive controls: ordinary work that must succeed inside the sandbox, so a sandbox
that refuses everything fails the suite."""
from ringfence.verify.probes.model import Changed, Exit, Hit, Stdout, probe, py, sh

P = "@project@"
CURL = "curl -s -S --max-time 8 --noproxy ''"   # the proxy, even for hosts listed in NO_PROXY

PROBES = [
    probe("control.write-project", "control", "create, edit and rename files in the project",
          sh(f"mkdir -p {P}/build && echo '@marker@' > {P}/build/out.txt && mv {P}/build/out.txt {P}/build/done.txt "
             f"&& cat {P}/build/done.txt"), Changed(f"{P}/build"), Stdout("@marker@"), control=True),
    probe("control.read-project", "control", "read the project's files", sh(f"cat {P}/README.md"),
          Stdout("@readme@"), control=True),
    probe("control.allowed-server", "control", "reach the allowed server through the proxy",
          sh(f"{CURL} http://127.0.0.1:@allowed_port@/"), Hit("allowed"), Stdout("allowed-ok @token@"),
          control=True, needs=("curl",)),
    probe("control.allowed-connect", "control", "reach the allowed server through a CONNECT tunnel",
          sh(f'{CURL} -p -x "$HTTP_PROXY" http://127.0.0.1:@allowed_port@/'), Hit("allowed"),
          Stdout("allowed-ok @token@"), control=True, needs=("curl",)),
    probe("control.allowed-socks5", "control", "reach the allowed server through SOCKS5",
          sh(f'{CURL} -x "$ALL_PROXY" http://127.0.0.1:@allowed_port@/'), Hit("allowed"),
          Stdout("allowed-ok @token@"), control=True, needs=("curl",)),
    probe("control.git", "control", "run git in the project (status and log)",
          sh("git status --short >/dev/null && git log --format=%s -1"), Stdout("initial commit"), Exit(0),
          control=True, needs=("git",)),
    probe("control.python", "control", "run python with a subprocess and a thread",
          py("import subprocess,threading\nt=threading.Thread(target=print,args=('thread',));t.start();t.join()\n"
             "print(subprocess.run(['echo','@marker@'],capture_output=True,text=True).stdout.strip())"),
          Stdout("@marker@"), control=True, needs=("@python@",)),
    probe("control.exit-status", "control", "the command's exit status passes through", sh("exit 42"), Exit(42),
          control=True),
    probe("control.tmp", "control", "write and read back a temporary file ($TMPDIR, else /tmp)",
          sh('t="${TMPDIR:-/tmp}/@sys_tag@.ctl" && echo @marker@ > "$t" && cat "$t"'), Stdout("@marker@"), control=True,
          touches=("/tmp/@sys_tag@.ctl", "/tmp/claude/@sys_tag@.ctl")),
]
