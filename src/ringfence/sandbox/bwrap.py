"""SandboxPlan -> bubblewrap argv and the inner stage's mounts (pure; tested by exact argv).

Every flag, and why:
  --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try
                       own user, pid, ipc, hostname and cgroup namespaces: host processes
                       are invisible and unsignalable, SysV IPC is private
  --unshare-net        own network namespace with only loopback: the only way out is
                       ringfence's proxy, accepting on sockets the inner stage listens on
  --disable-userns     the sandbox cannot create nested user namespaces (which could drop
                       the read-only mounts); seccomp refuses unshare/clone too
  --die-with-parent    the whole sandbox is SIGKILLed if ringfence dies
  --cap-drop ALL       no capabilities inside, even when ringfence runs as root
  --cap-add CAP_SYS_ADMIN --cap-add CAP_SETPCAP
                       only when the inner stage has mounts to make (below): it makes them
                       in a mount namespace of its own, then drops every capability
                       (bounding set included) before anything else runs
  --clearenv           nothing from ringfence's environment leaks; the inner stage sets
                       exactly the environment the policy allows
  --hostname ringfence
  --ro-bind / /        read-only root
  --dev /dev           minimal /dev (null, zero, full, random, urandom, tty, pts, shm)
  --proc /proc         fresh /proc for the new pid namespace
  --tmpfs /tmp, /var/tmp, /run    private, empty; host sockets under /run are unreachable
  then the plan's directory actions, shallow to deep (see plan.py), and finally
  --remount-ro for every tmpfs that hides a directory.

The file-sized actions (a placeholder over a protected name that does not exist yet, an
unreadable file over a denied file) go to the inner stage instead (``inner_mounts``):
bwrap re-reads the whole mount table after each bind (~0.5 ms each here, and a project
has ~30 placeholders), where the inner stage makes each with one mount(2) call, after
bwrap's mounts, so still deeper than every directory action.
"""
from __future__ import annotations

from ringfence.sandbox.inner import MOUNT_DENIED, MOUNT_DIR, MOUNT_EMPTY
from ringfence.sandbox.plan import PRIVATE_TMPFS, SandboxPlan

NAMESPACES = ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try", "--unshare-net", "--disable-userns"]


def _has_descendant(path: str, paths: list[str]) -> bool:
    pre = path.rstrip("/") + "/"
    return any(p.startswith(pre) for p in paths)


def _inner_kind(act) -> int | None:
    if act.action == "stub":
        return MOUNT_DIR if act.kind == "dir" else MOUNT_EMPTY
    if act.action == "hide" and act.kind != "dir":
        return MOUNT_DENIED
    return None


def inner_mounts(plan: SandboxPlan, disable: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """The inner stage's mounts, in plan order: (MOUNT_EMPTY, path) a read-only empty file,
    (MOUNT_DENIED, path) an unreadable one, (MOUNT_DIR, path) an empty read-only directory."""
    if "mounts" in disable:
        return []
    return [(k, a.path) for a in plan.actions if (k := _inner_kind(a)) is not None]


def bwrap_args(plan: SandboxPlan, *, info_fd: int | None = None,
               disable: frozenset[str] = frozenset()) -> list[str]:
    """Options for bwrap (everything before ``--``).

    ``disable`` is for verify's diagnostic mode only ({"mounts", "pidns", "netns"}, the
    launcher also knows "landlock" and "seccomp"): never reachable from the command line.
    """
    a: list[str] = [n for n in NAMESPACES
                    if not ("pidns" in disable and n == "--unshare-pid")
                    and not ("netns" in disable and n == "--unshare-net")]
    a += ["--die-with-parent", "--cap-drop", "ALL"]
    if inner_mounts(plan, disable):
        a += ["--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP"]
    a += ["--clearenv", "--hostname", "ringfence"]
    if "mounts" in disable:
        # /run stays a tmpfs: host sockets there stay out of reach even in this mode
        a += ["--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/run"]
    else:
        a += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for d in PRIVATE_TMPFS:
            a += ["--tmpfs", d]
    remount: list[str] = []
    if "mounts" not in disable:
        all_paths = [x.path for x in plan.actions]
        for act in plan.actions:
            p = act.path
            if _inner_kind(act) is not None:
                continue
            if act.action in ("rw", "pin"):
                a += ["--bind", p, p]
            elif act.action == "ro":
                a += ["--ro-bind", p, p]
            elif act.action == "hide":
                mode = "0755" if _has_descendant(p, all_paths) else "0000"
                a += ["--perms", mode, "--tmpfs", p]
                remount.append(p)
    for p in remount:
        a += ["--remount-ro", p]
    a += ["--chdir", plan.cwd]
    if info_fd is not None:
        a += ["--info-fd", str(info_fd)]
    return a
