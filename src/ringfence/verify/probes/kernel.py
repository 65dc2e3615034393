"""The kernel: namespaces, mounts, /proc/sys, devices, and syscalls that are attack surface.

Each prints the world's marker only when the call worked. Nothing here changes the
machine in a run without a sandbox: mounts go on a directory of the world and are
undone, the /proc/sys write puts back the value it read, keys go on the process keyring.
"""
from ringfence.verify.probes.model import Marker, probe, py, sh

LIBC = "import ctypes,os,socket\nlibc=ctypes.CDLL(None,use_errno=True)\n"


def syscall(name: str, call: str):
    """A python probe that makes one raw syscall; ok when it returns >= 0."""
    return py(LIBC + f"r={call}\nprint('@marker@' if r>=0 else 'errno %d %s (%s)'%(ctypes.get_errno(),"
                     f"os.strerror(ctypes.get_errno()),'{name}'))")


def sock(family: str, kind: str):
    return py("import socket\ntry:\n  socket.socket(" + family + "," + kind + ")\n  print('@marker@')\n"
              "except OSError as e:\n  print(e)")


PROBES = [
    probe("kernel.unshare-user", "kernel", "a nested user namespace (unshare -Ur)",
          sh("unshare -Ur sh -c 'echo @marker@'"), Marker(), needs=("unshare",)),
    probe("kernel.unshare-syscall", "kernel", "unshare(CLONE_NEWUSER|CLONE_NEWNS) by raw syscall",
          syscall("unshare", "libc.unshare(0x10000000|0x00020000)"), Marker(), needs=("@python@",)),
    probe("kernel.clone-newuser", "kernel", "clone with CLONE_NEWUSER (not unshare)",
          py(LIBC + "r=libc.syscall(56,0x10000000|17,0,0,0,0)\n"
             "if r==0: os._exit(0)\n"
             "print('@marker@' if r>0 else 'errno %d'%ctypes.get_errno())"), Marker(), needs=("@python@",)),
    probe("kernel.mount", "kernel", "mount a tmpfs", sh("mount -t tmpfs none @root@/mnt && echo @marker@; "
                                                         "umount @root@/mnt 2>/dev/null"), Marker(),
          needs=("mount",)),
    probe("kernel.proc-sys", "kernel", "write to /proc/sys (the value already there)",
          sh("v=$(cat /proc/sys/vm/stat_interval) && echo \"$v\" > /proc/sys/vm/stat_interval && echo @marker@"),
          Marker(), needs=("/proc/sys/vm/stat_interval",)),
    probe("kernel.cgroup-escape", "kernel", "move itself to the root cgroup",
          sh("echo $$ > /sys/fs/cgroup/cgroup.procs && echo @marker@"), Marker(),
          needs=("/sys/fs/cgroup/cgroup.procs",)),
    probe("kernel.block-device", "kernel", "read the machine's disk",
          sh("head -c 512 @blockdev@ | wc -c | grep -q 512 && echo @marker@"), Marker(), needs=("@blockdev@",)),
    probe("kernel.dev-mem", "kernel", "read /dev/mem",
          sh("head -c 16 /dev/mem | wc -c | grep -q 16 && echo @marker@"), Marker(), needs=("/dev/mem",)),
    probe("kernel.dev-kmsg", "kernel", "read the kernel log through /dev/kmsg",
          py("import os\nfd=os.open('/dev/kmsg',os.O_RDONLY|os.O_NONBLOCK)\nprint('@marker@' if os.read(fd,8192) else '')"),
          Marker(), needs=("/dev/kmsg", "@python@")),
    probe("kernel.mknod", "kernel", "mknod the disk's block device in the project and read it",
          sh("d=$(stat -c '%t %T' @blockdev@) && mknod @project@/disk b $(printf '%d %d' 0x${d% *} 0x${d#* }) && "
             "head -c 512 @project@/disk | wc -c | grep -q 512 && echo @marker@"), Marker(),
          needs=("@blockdev@", "mknod")),
    probe("kernel.io-uring", "kernel", "io_uring_setup", syscall("io_uring_setup", "libc.syscall(425,1,ctypes.create_string_buffer(120))"),
          Marker(), needs=("@python@",)),
    probe("kernel.bpf", "kernel", "bpf(BPF_MAP_CREATE)",
          syscall("bpf", "libc.syscall(321,0,ctypes.create_string_buffer((2).to_bytes(4,'little')+(4).to_bytes(4,'little')"
                         "+(4).to_bytes(4,'little')+(1).to_bytes(4,'little')+bytes(112)),128)"),
          Marker(), needs=("@python@",)),
    probe("kernel.keyctl", "kernel", "add_key to the kernel keyring",
          syscall("add_key", "libc.syscall(248,b'user',b'ringfence-verify',b'x',1,-2)"), Marker(), needs=("@python@",)),
    probe("kernel.perf-event", "kernel", "perf_event_open",
          syscall("perf_event_open", "libc.syscall(298,ctypes.create_string_buffer((1).to_bytes(4,'little')"
                                     "+(128).to_bytes(4,'little')+bytes(120)),0,-1,-1,0)"), Marker(), needs=("@python@",)),
    probe("kernel.userfaultfd", "kernel", "userfaultfd", syscall("userfaultfd", "libc.syscall(323,0)"), Marker(),
          needs=("@python@",)),
    probe("kernel.af-packet", "kernel", "a raw AF_PACKET socket", sock("socket.AF_PACKET", "socket.SOCK_RAW"), Marker(),
          needs=("@python@",)),
    probe("kernel.af-vsock", "kernel", "an AF_VSOCK socket (the hypervisor)", sock("40", "socket.SOCK_STREAM"), Marker(),
          needs=("@python@", "/dev/vsock")),
]
