"""SandboxPlan -> bubblewrap argv (pure; tested by exact argv).

Every flag, and why:
  --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try
                       own user, pid, ipc, hostname and cgroup namespaces: host processes
                       are invisible and unsignalable, SysV IPC is private
  --unshare-net        own network namespace with only loopback: the only way out is the
                       bridge to ringfence's proxy
  --disable-userns     the sandbox cannot create nested user namespaces (which could drop
                       the read-only mounts); seccomp refuses unshare/clone too
  --die-with-parent    the whole sandbox is SIGKILLed if ringfence dies
  --cap-drop ALL       no capabilities inside, even when ringfence runs as root
  --clearenv           nothing from ringfence's environment leaks; the inner stage sets
                       exactly the environment the policy allows
  --hostname ringfence
  --ro-bind / /        read-only root
  --dev /dev           minimal /dev (null, zero, full, random, urandom, tty, pts, shm)
  --proc /proc         fresh /proc for the new pid namespace
  --tmpfs /tmp, /var/tmp, /run    private, empty; host sockets under /run are unreachable
  --ro-bind DIR /run/ringfence    the proxy's socket directory (when networking)
  then the plan's path actions, shallow to deep (see plan.py), and finally
  --remount-ro for every tmpfs that hides or stubs a path.
"""
from __future__ import annotations

from ringfence.sandbox.plan import INNER_SOCK_DIR, PRIVATE_TMPFS, SandboxPlan

NAMESPACES = ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try", "--unshare-net", "--disable-userns"]


def _has_descendant(path: str, paths: list[str]) -> bool:
    pre = path.rstrip("/") + "/"
    return any(p.startswith(pre) for p in paths)


def bwrap_args(plan: SandboxPlan, *, denied_file: str, empty_file: str, info_fd: int | None = None,
               disable: frozenset[str] = frozenset()) -> list[str]:
    """Options for bwrap (everything before ``--``).

    ``denied_file`` is an empty mode-0000 file mounted over denied files; ``empty_file``
    an empty read-only file mounted over protected names that do not exist yet.
    ``disable`` is for verify's diagnostic mode only ({"mounts", "pidns", "netns"}, the
    launcher also knows "landlock" and "seccomp"): never reachable from the command line.
    """
    a: list[str] = [n for n in NAMESPACES
                    if not ("pidns" in disable and n == "--unshare-pid")
                    and not ("netns" in disable and n == "--unshare-net")]
    a += ["--die-with-parent", "--cap-drop", "ALL", "--clearenv", "--hostname", "ringfence"]
    if "mounts" in disable:
        # /run stays a tmpfs so that the proxy socket's mount point is not made on the host
        a += ["--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/run"]
    else:
        a += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for d in PRIVATE_TMPFS:
            a += ["--tmpfs", d]
    if plan.proxy_dir:
        a += ["--ro-bind", plan.proxy_dir, INNER_SOCK_DIR]
    remount: list[str] = []
    if "mounts" not in disable:
        all_paths = [x.path for x in plan.actions]
        for act in plan.actions:
            p = act.path
            if act.action in ("rw", "pin"):
                a += ["--bind", p, p]
            elif act.action == "ro":
                a += ["--ro-bind", p, p]
            elif act.action == "hide":
                if act.kind == "dir":
                    mode = "0755" if _has_descendant(p, all_paths) else "0000"
                    a += ["--perms", mode, "--tmpfs", p]
                    remount.append(p)
                else:
                    a += ["--ro-bind", denied_file, p]
            elif act.action == "stub":
                if act.kind == "dir":
                    a += ["--perms", "0555", "--tmpfs", p]
                    remount.append(p)
                else:
                    a += ["--ro-bind", empty_file, p]
    for p in remount:
        a += ["--remount-ro", p]
    a += ["--chdir", plan.cwd]
    if info_fd is not None:
        a += ["--info-fd", str(info_fd)]
    return a
