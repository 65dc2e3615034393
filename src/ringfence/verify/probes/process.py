"""Other processes: signals, ptrace, reading their memory, injecting into the terminal."""
from ringfence.verify.probes.model import Canary, Dead, Injected, Marker, probe, py, sh

LIBC = "import ctypes,os\nlibc=ctypes.CDLL(None,use_errno=True)\n"
ERR = "print('errno',ctypes.get_errno(),os.strerror(ctypes.get_errno()))"

PROBES = [
    probe("process.kill", "process", "kill -9 a host process", sh("kill -9 @host_pid@"), Dead()),
    probe("process.pidfd-signal", "process", "pidfd_open + pidfd_send_signal(SIGKILL) on a host process",
          py(LIBC + "fd=libc.syscall(434,@host_pid@,0)\n"
             "r=libc.syscall(424,fd,9,None,0) if fd>=0 else -1\nprint(fd,r)\n" + ERR), Dead(), needs=("@python@",)),
    probe("process.ptrace-host", "process", "ptrace(PTRACE_ATTACH) a host process",
          py(LIBC + "r=libc.ptrace(16,@host_pid@,0,0)\n"
             "if r==0:\n  os.waitpid(@host_pid@,0); print('@marker@'); libc.ptrace(17,@host_pid@,0,0)\nelse:\n  " + ERR),
          Marker(), needs=("@python@",)),
    probe("process.ptrace-init", "process", "ptrace(PTRACE_ATTACH) the sandbox's pid 1 (bwrap, outside Landlock and seccomp)",
          py(LIBC + "r=libc.ptrace(16,@init_pid@,0,0)\n"
             "if r==0:\n  print('@marker@'); libc.ptrace(17,@init_pid@,0,0)\nelse:\n  " + ERR),
          Marker(), needs=("@python@",)),
    probe("process.vm-readv", "process", "process_vm_readv the environment of a host process",
          py(LIBC + "class V(ctypes.Structure): _fields_=[('b',ctypes.c_void_p),('n',ctypes.c_size_t)]\n"
             "s,e=@env_start@,@env_end@\nbuf=ctypes.create_string_buffer(e-s)\n"
             "l=V(ctypes.cast(buf,ctypes.c_void_p),e-s); r=V(s,e-s)\n"
             "n=libc.process_vm_readv(@host_pid@,ctypes.byref(l),1,ctypes.byref(r),1,0)\n"
             "print(buf.raw[:n].replace(b'\\0',b'\\n').decode(errors='replace') if n>0 else n)\n" + ERR),
          Canary(("host_env",)), needs=("@python@",)),
    probe("process.proc-mem", "process", "read /proc/<pid>/mem of a host process",
          py("f=open('/proc/@host_pid@/mem','rb')\nf.seek(@env_start@)\n"
             "print(f.read(@env_end@-@env_start@).replace(b'\\0',b'\\n').decode(errors='replace'))"),
          Canary(("host_env",)), needs=("@python@",)),
    probe("process.tiocsti", "process", "TIOCSTI: push a command into the terminal's input",
          py("import fcntl,termios\nfor c in '@marker@\\n': fcntl.ioctl(0,termios.TIOCSTI,c.encode())\nprint('pushed')"),
          Injected(), tty=True, needs=("@python@",)),
]
