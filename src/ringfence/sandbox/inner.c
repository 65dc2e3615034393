/* ringfence-inner: the compiled inner stage of `ringfence run`.
 *
 * It does exactly what inner.py does (read that file's docstring for the spec format
 * and the order of steps); it exists because it starts in about a millisecond where an
 * interpreter needs twenty. Both are run by the same tests (tests/sandbox/test_inner.py).
 *
 *   bwrap ... -- ringfence-inner FD
 *
 * read the spec from FD -> wait for go_fd, make the mounts in a mount namespace of our
 * own -> drop every capability -> listen on the proxy addresses and hand the listening sockets
 * to ringfence's proxy over pass_fd (SCM_RIGHTS) -> no_new_privs -> Landlock -> seccomp
 * -> chdir -> write "1" to ready_fd -> close every fd above 2 -> reset signals -> execve
 * (PATH searched in the spec's environment). Any failure before exec: a "ringfence:"
 * message with a fix line, exit 3, the command never runs. Exec failure: 127 when not
 * found, else 126.
 *
 * Build: cc -O2 -o ringfence-inner inner.c (the Makefile does it). Linux >= 5.13
 * headers are not needed: the Landlock ABI is declared here.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the spec is little-endian; this build reads it as native integers"
#endif

#define EXIT_SETUP 3
#define EXIT_CANNOT_EXECUTE 126
#define EXIT_NOT_FOUND 127
#define MAX_SPEC_BYTES (64u << 20)
#define LISTEN_BACKLOG 4096
#define NO_FD 0xFFFFFFFFu
#define MAX_LISTEN 8
#define BPF_MAXINSNS_ 4096
#define MOUNT_EMPTY 1
#define MOUNT_DENIED 2
#define MOUNT_DIR 3
#define SCRATCH "/tmp"                   /* briefly covered by the mounts' sources */
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* Landlock (include/uapi/linux/landlock.h); the numbers are shared by x86_64 and aarch64. */
#define SYS_landlock_create_ruleset_ 444
#define SYS_landlock_add_rule_ 445
#define SYS_landlock_restrict_self_ 446
#define LANDLOCK_CREATE_RULESET_VERSION_ 1u
#define LANDLOCK_RULE_PATH_BENEATH_ 1
#define SYS_close_range_ 436
/* Rights that make sense on a file: execute, write, read, truncate, ioctl_dev. */
#define ACCESS_FS_FILE ((1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 14) | (1ull << 15))

struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

static const char *spec_magic = "RFSPEC2";   /* + the terminating NUL: 8 bytes */

/* ------------------------------------------------------------ failing closed */

static void say(const char *text) {
    size_t n = strlen(text);
    while (n) {
        ssize_t w = write(2, text, n);
        if (w <= 0) return;
        text += w;
        n -= (size_t)w;
    }
}

__attribute__((noreturn, format(printf, 2, 3)))
static void refuse(const char *fix, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    int n = snprintf(buf, sizeof buf, "ringfence: ");
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    say(buf);
    say("\n  fix: ");
    say(fix);
    say("\n");
    _exit(EXIT_SETUP);
}

#define DOCTOR "run `ringfence doctor` and report this with its output"

/* ------------------------------------------------------------ the spec */

struct reader { const unsigned char *p, *end; };

struct spec {
    char **argv, **env, *cwd;
    uint32_t abi_min;
    uint64_t handled;
    uint32_t nrules;
    char **rule_path;
    uint64_t *rule_access;
    const unsigned char *seccomp;
    uint32_t seccomp_len;
    uint32_t ready_fd, pass_fd;
    uint32_t nsignals, *signals;
    uint32_t nlisten;
    char *listen_host[MAX_LISTEN];
    uint32_t listen_port[MAX_LISTEN];
    uint32_t nmounts, *mount_kind;
    char **mount_path;
    uint32_t go_fd;
};

static const unsigned char *take(struct reader *r, uint64_t n) {
    if (n > (uint64_t)(r->end - r->p)) refuse("the inner stage is started by `ringfence run`, not by hand",
                                              "cannot read the sandbox spec: truncated");
    const unsigned char *at = r->p;
    r->p += n;
    return at;
}

static uint32_t u32(struct reader *r) { uint32_t v; memcpy(&v, take(r, 4), 4); return v; }
static uint64_t u64(struct reader *r) { uint64_t v; memcpy(&v, take(r, 8), 8); return v; }

static void *alloc(size_t n) {
    void *p = calloc(n ? n : 1, 1);
    if (!p) refuse("free some memory and run again", "out of memory reading the sandbox spec");
    return p;
}

static char *text(struct reader *r) {
    uint32_t n = u32(r);
    const unsigned char *b = take(r, n);
    if (memchr(b, 0, n)) refuse("this is a bug in ringfence; please report it",
                                "cannot read the sandbox spec: NUL byte in a string");
    char *s = alloc((size_t)n + 1);
    memcpy(s, b, n);
    return s;
}

static char **texts(struct reader *r) {
    uint32_t n = u32(r);
    if (n > (uint32_t)(r->end - r->p) / 4) refuse("this is a bug in ringfence; please report it",
                                                  "cannot read the sandbox spec: bad count");
    char **v = alloc(((size_t)n + 1) * sizeof *v);
    for (uint32_t i = 0; i < n; i++) v[i] = text(r);
    return v;
}

static void read_spec(int fd, struct spec *s) {
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = alloc(cap);
    lseek(fd, 0, SEEK_SET);                 /* a memfd may sit at its end; a pipe says ESPIPE */
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_SPEC_BYTES) refuse("the inner stage is started by `ringfence run`, not by hand",
                                              "cannot read the sandbox spec from fd %d: too large", fd);
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) refuse("free some memory and run again", "out of memory reading the sandbox spec");
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) refuse("the inner stage is started by `ringfence run`, not by hand",
                          "cannot read the sandbox spec from fd %d: %s", fd, strerror(errno));
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    struct reader r = {buf, buf + len};
    if (len < 8 || memcmp(buf, spec_magic, 8) != 0)
        refuse("the inner stage is started by `ringfence run`, not by hand; after an upgrade run `make`",
               "cannot read the sandbox spec from fd %d: not a ringfence spec (wrong magic or version)", fd);
    r.p += 8;
    s->argv = texts(&r);
    s->env = texts(&r);
    for (char **e = s->env; *e; e++)
        if (**e == '=' || !strchr(*e, '=')) refuse("this is a bug in ringfence; please report it",
                                                  "cannot read the sandbox spec: environment entry without a name");
    s->cwd = text(&r);
    s->abi_min = u32(&r);
    s->handled = u64(&r);
    s->nrules = u32(&r);
    if (s->nrules > (uint32_t)(r.end - r.p) / 12) refuse("this is a bug in ringfence; please report it",
                                                         "cannot read the sandbox spec: bad rule count");
    s->rule_path = alloc((size_t)s->nrules * sizeof *s->rule_path);
    s->rule_access = alloc((size_t)s->nrules * sizeof *s->rule_access);
    for (uint32_t i = 0; i < s->nrules; i++) {
        s->rule_path[i] = text(&r);
        s->rule_access[i] = u64(&r);
    }
    s->seccomp_len = u32(&r);
    s->seccomp = take(&r, s->seccomp_len);
    s->ready_fd = u32(&r);
    s->nsignals = u32(&r);
    if (s->nsignals > 64) refuse("this is a bug in ringfence; please report it",
                                 "cannot read the sandbox spec: bad signal count");
    s->signals = alloc((size_t)s->nsignals * sizeof *s->signals);
    for (uint32_t i = 0; i < s->nsignals; i++) s->signals[i] = u32(&r);
    s->nlisten = u32(&r);
    if (s->nlisten > MAX_LISTEN) refuse("this is a bug in ringfence; please report it",
                                        "cannot read the sandbox spec: too many listen addresses");
    for (uint32_t i = 0; i < s->nlisten; i++) {
        s->listen_host[i] = text(&r);
        s->listen_port[i] = u32(&r);
    }
    s->pass_fd = u32(&r);
    s->nmounts = u32(&r);
    if (s->nmounts > (uint32_t)(r.end - r.p) / 8) refuse("this is a bug in ringfence; please report it",
                                                         "cannot read the sandbox spec: bad mount count");
    s->mount_kind = alloc((size_t)s->nmounts * sizeof *s->mount_kind);
    s->mount_path = alloc((size_t)s->nmounts * sizeof *s->mount_path);
    for (uint32_t i = 0; i < s->nmounts; i++) {
        s->mount_kind[i] = u32(&r);
        s->mount_path[i] = text(&r);
    }
    s->go_fd = u32(&r);
    if (r.p != r.end) refuse("this is a bug in ringfence; please report it",
                             "cannot read the sandbox spec: %zu bytes after the end", (size_t)(r.end - r.p));
    if (!s->argv[0]) refuse("this is a bug in ringfence; please report it", "cannot read the sandbox spec: empty argv");
    if (s->nlisten && s->pass_fd == NO_FD)
        refuse("this is a bug in ringfence; please report it",
               "cannot read the sandbox spec: listen addresses without a descriptor to hand them over");
}

/* ------------------------------------------------------------ mounts, capabilities */

/* An O_PATH fd of a mount target; its last component must not be a symlink. */
static int open_target(const char *path) {
    int fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) refuse("the placeholder changed while the sandbox started; run again",
                       "cannot open the mount point %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISLNK(st.st_mode))
        refuse("the placeholder changed while the sandbox started; run again",
               "cannot mount at %s: it is a symbolic link", path);
    return fd;
}

static const char *via_fd(int fd, char buf[32]) {
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

static void mount_or_refuse(const char *source, const char *target, const char *fstype, unsigned long flags,
                            const char *data, const char *what, const char *path) {
    if (mount(source, target, fstype, flags, data) != 0)
        refuse(DOCTOR, "cannot %s at %s: %s", what, path, strerror(errno));
}

/* The file-sized mounts (bwrap.inner_mounts), in a mount namespace of our own. Every
 * mount point is opened first (O_PATH, no symlink); the sources are made on a tmpfs
 * mounted over /tmp for the moment, made read-only before any bind (so nothing bound
 * from it can ever be written) and unmounted at the end: nothing is created on any real
 * filesystem. */
static void make_mounts(const struct spec *s) {
    if (s->go_fd != NO_FD) {                    /* the launcher's placeholders are ready */
        char b = 0;
        ssize_t n;
        do n = read((int)s->go_fd, &b, 1); while (n < 0 && errno == EINTR);
        close((int)s->go_fd);
        if (n != 1 || b != '1') refuse("run the command again",
                                       "ringfence stopped before the sandbox's placeholders were ready");
    }
    if (!s->nmounts) return;
    if (unshare(CLONE_NEWNS) != 0)
        refuse("bubblewrap must keep CAP_SYS_ADMIN for the inner stage; run `ringfence doctor`",
               "cannot create the inner mount namespace: %s", strerror(errno));
    /* Nothing mounted here may propagate out, whatever namespace we were started in. */
    mount_or_refuse(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL, "make the inner mount namespace a slave", "/");
    int *targets = alloc((size_t)s->nmounts * sizeof *targets);
    for (uint32_t i = 0; i < s->nmounts; i++) targets[i] = open_target(s->mount_path[i]);
    const unsigned long quiet = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mount_or_refuse("tmpfs", SCRATCH, "tmpfs", quiet, "mode=0700,size=16k", "mount a scratch tmpfs", SCRATCH);
    const char *names[2] = {SCRATCH "/empty", SCRATCH "/denied"};
    const mode_t modes[2] = {0444, 0000};
    int sources[2];
    for (int i = 0; i < 2; i++) {
        int fd = open(names[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, modes[i]);
        if (fd < 0 || fchmod(fd, modes[i]) != 0) refuse(DOCTOR, "cannot create %s: %s", names[i], strerror(errno));
        close(fd);
        sources[i] = open(names[i], O_PATH | O_CLOEXEC);
        if (sources[i] < 0) refuse(DOCTOR, "cannot open %s: %s", names[i], strerror(errno));
    }
    mount_or_refuse(NULL, SCRATCH, NULL, MS_REMOUNT | MS_RDONLY | quiet, NULL,
                    "make the scratch tmpfs read-only", SCRATCH);
    char a[32], b[32];
    for (uint32_t i = 0; i < s->nmounts; i++) {
        const char *path = s->mount_path[i];
        switch (s->mount_kind[i]) {
        case MOUNT_DIR:
            mount_or_refuse("tmpfs", via_fd(targets[i], a), "tmpfs", MS_RDONLY | quiet, "mode=0555,size=4k",
                            "mount a placeholder", path);
            break;
        case MOUNT_EMPTY:
        case MOUNT_DENIED:
            mount_or_refuse(via_fd(sources[s->mount_kind[i] == MOUNT_DENIED], a), via_fd(targets[i], b), NULL,
                            MS_BIND, NULL, "bind a placeholder", path);
            break;
        default:
            refuse("this is a bug in ringfence; please report it", "unknown mount kind %u for %s",
                   s->mount_kind[i], path);
        }
        close(targets[i]);
    }
    if (umount2(SCRATCH, MNT_DETACH) != 0) refuse(DOCTOR, "cannot unmount the scratch tmpfs: %s", strerror(errno));
    close(sources[0]);
    close(sources[1]);
}

/* Empty every capability set (bounding and ambient included), then check it. */
static void drop_capabilities(void) {
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap < 64; cap++) {
        int held = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (held < 0) break;                    /* past the kernel's last capability */
        if (held && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            refuse("the kernel or a container's seccomp profile refuses it; run `ringfence doctor`",
                   "prctl(PR_CAPBSET_DROP %d) failed: %s", cap, strerror(errno));
    }
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0 || syscall(SYS_capget, &header, data) != 0)
        refuse(DOCTOR, "cannot drop the sandbox's capabilities: %s", strerror(errno));
    int left = data[0].effective | data[0].permitted | data[0].inheritable
             | data[1].effective | data[1].permitted | data[1].inheritable;
    for (int cap = 0; cap < 64; cap++) left |= prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
    if (left) refuse(DOCTOR, "a capability is still held after dropping them all");
}

/* ------------------------------------------------------------ the proxy listener */

static void hand_over(const struct spec *s) {
    int fds[MAX_LISTEN], n = 0;
    for (uint32_t i = 0; i < s->nlisten; i++) {
        const char *host = s->listen_host[i];
        int v6 = strchr(host, ':') != NULL, one = 1;
        union { struct sockaddr_in v4; struct sockaddr_in6 v6; } a;
        memset(&a, 0, sizeof a);
        socklen_t alen;
        int parsed;
        if (v6) {
            a.v6.sin6_family = AF_INET6;
            a.v6.sin6_port = htons((uint16_t)s->listen_port[i]);
            parsed = inet_pton(AF_INET6, host, &a.v6.sin6_addr) == 1;
            alen = sizeof a.v6;
        } else {
            a.v4.sin_family = AF_INET;
            a.v4.sin_port = htons((uint16_t)s->listen_port[i]);
            parsed = inet_pton(AF_INET, host, &a.v4.sin_addr) == 1;
            alen = sizeof a.v4;
        }
        errno = EINVAL;                        /* what a bad address or port reports */
        int fd = parsed && s->listen_port[i] <= 0xFFFF ? socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
        int ok = fd >= 0
            && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0
            && (!v6 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0)
            && bind(fd, (struct sockaddr *)&a, alen) == 0
            && listen(fd, LISTEN_BACKLOG) == 0;
        if (!ok) {
            int err = errno;
            if (fd >= 0) close(fd);
            if (v6) continue;                  /* no IPv6 in this sandbox: skipped */
            refuse("something else in the sandbox holds that port; report this",
                   "cannot listen on %s:%u for the proxy: %s", host, s->listen_port[i], strerror(err));
        }
        fds[n++] = fd;
    }
    if (!n) refuse("give the proxy an IPv4 address such as 127.0.0.1",
                   "the proxy could not listen on any of its addresses");
    char control[CMSG_SPACE(sizeof(int) * MAX_LISTEN)];
    memset(control, 0, sizeof control);
    char tag = 'L';
    struct iovec iov = {&tag, 1};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
    ssize_t sent;
    do sent = sendmsg((int)s->pass_fd, &msg, MSG_NOSIGNAL); while (sent < 0 && errno == EINTR);
    if (sent != 1) refuse("the proxy process is gone; run the command again",
                          "cannot hand the proxy listener to ringfence's proxy: %s", strerror(errno));
    close((int)s->pass_fd);
    for (int i = 0; i < n; i++) close(fds[i]);
}

/* ------------------------------------------------------------ Landlock, seccomp */

static void apply_landlock(const struct spec *s) {
    long abi = syscall(SYS_landlock_create_ruleset_, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION_);
    if (abi <= 0)
        refuse("use Linux >= 5.13 with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y, 'landlock' in the "
               "lsm= boot parameter); check with `ringfence doctor`",
               "Landlock is not available in this kernel, so file access cannot be confined");
    if (abi < (long)s->abi_min)
        refuse("upgrade the kernel; `ringfence doctor` shows the ABI it finds",
               "the policy needs Landlock ABI %u but this kernel has ABI %ld", s->abi_min, abi);
    uint64_t handled = s->handled;      /* struct landlock_ruleset_attr up to handled_access_fs */
    int ruleset = (int)syscall(SYS_landlock_create_ruleset_, &handled, sizeof handled, 0);
    if (ruleset < 0) refuse(DOCTOR, "Landlock refused the ruleset (handled access %#llx): %s",
                            (unsigned long long)handled, strerror(errno));
    for (uint32_t i = 0; i < s->nrules; i++) {
        /* O_NOFOLLOW: a rule never follows a final symlink to somewhere else. A path missing
         * in the sandbox gets no rule: less access, never more. */
        int fd = open(s->rule_path[i], O_PATH | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == EPERM) continue;
            refuse(DOCTOR, "cannot open %s for a Landlock rule: %s", s->rule_path[i], strerror(errno));
        }
        struct stat st;
        if (fstat(fd, &st) != 0) refuse(DOCTOR, "cannot stat %s: %s", s->rule_path[i], strerror(errno));
        uint64_t access = s->rule_access[i];
        if (S_ISLNK(st.st_mode)) access = 0;
        else if (!S_ISDIR(st.st_mode)) access &= ACCESS_FS_FILE;
        if (access) {
            struct path_beneath_attr attr = {access, fd};
            if (syscall(SYS_landlock_add_rule_, ruleset, LANDLOCK_RULE_PATH_BENEATH_, &attr, 0) != 0)
                refuse(DOCTOR, "Landlock refused the rule for %s (access %#llx): %s", s->rule_path[i],
                       (unsigned long long)access, strerror(errno));
        }
        close(fd);
    }
    if (syscall(SYS_landlock_restrict_self_, ruleset, 0) != 0)
        refuse("no_new_privs must be set first; run `ringfence doctor`",
               "Landlock could not restrict the process: %s", strerror(errno));
    close(ruleset);
}

static void apply_seccomp(const struct spec *s) {
    if (s->seccomp_len % 8 || s->seccomp_len == 0 || s->seccomp_len / 8 > BPF_MAXINSNS_)
        refuse("this is a bug in ringfence; please report it",
               "the seccomp program is malformed (%u bytes)", s->seccomp_len);
    struct sock_filter *insns = alloc(s->seccomp_len);
    memcpy(insns, s->seccomp, s->seccomp_len);
    struct sock_fprog prog = {(unsigned short)(s->seccomp_len / 8), insns};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
        refuse("the kernel or a container's seccomp profile refuses it; run `ringfence doctor`",
               "prctl(PR_SET_SECCOMP) failed: %s", strerror(errno));
}

/* ------------------------------------------------------------ fds, exec */

static void close_fds(void) {
    if (syscall(SYS_close_range_, 3u, ~0u, 0u) == 0) return;
    DIR *d = opendir("/proc/self/fd");          /* kernel < 5.9 */
    if (!d) refuse(DOCTOR, "cannot list open file descriptors: %s", strerror(errno));
    int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (fd > 2 && fd != self) close(fd);
    }
    closedir(d);
}

static int exec_command(char **argv, char **env) {
    const char *name = argv[0];
    int error = 0;
    if (strchr(name, '/')) {
        execve(name, argv, env);
        error = errno;
    } else {
        const char *path = "/bin:/usr/bin";
        for (char **e = env; *e; e++)
            if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
        size_t nlen = strlen(name);
        char *buf = alloc(strlen(path) + nlen + 3);
        for (const char *d = path;; ) {
            const char *colon = strchr(d, ':');
            size_t dlen = colon ? (size_t)(colon - d) : strlen(d);
            if (dlen) { memcpy(buf, d, dlen); buf[dlen] = '/'; memcpy(buf + dlen + 1, name, nlen + 1); }
            else { buf[0] = '.'; buf[1] = '/'; memcpy(buf + 2, name, nlen + 1); }
            execve(buf, argv, env);
            /* Like execvp: keep looking after "not here", but report a real error first. */
            if (!error || error == ENOENT || error == ENOTDIR) error = errno;
            if (!colon) break;
            d = colon + 1;
        }
    }
    say("ringfence: cannot execute ");
    say(name);
    say(": ");
    say(strerror(error));
    say("\n");
    return (error == ENOENT || error == ENOTDIR) ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}

int main(int argc, char **argv) {
    if (argc != 2 || !argv[1][0] || strspn(argv[1], "0123456789") != strlen(argv[1]) || strlen(argv[1]) > 9)
        refuse("the inner stage is started by `ringfence run`, not by hand", "usage: ringfence-inner FD");
    struct spec s;
    memset(&s, 0, sizeof s);
    read_spec(atoi(argv[1]), &s);
    make_mounts(&s);
    drop_capabilities();
    if (s.nlisten) hand_over(&s);
    else if (s.pass_fd != NO_FD) close((int)s.pass_fd);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        refuse("the kernel or a container's seccomp profile refuses it; run `ringfence doctor`",
               "prctl(PR_SET_NO_NEW_PRIVS) failed: %s", strerror(errno));
    apply_landlock(&s);
    apply_seccomp(&s);
    if (chdir(s.cwd) != 0)
        refuse("run from a directory the sandbox policy makes visible",
               "cannot enter the working directory %s: %s", s.cwd, strerror(errno));
    if (s.ready_fd != NO_FD) {                  /* tell the launcher every layer is in place */
        ssize_t w = write((int)s.ready_fd, "1", 1);
        (void)w;
    }
    close_fds();
    for (uint32_t i = 0; i < s.nsignals; i++) signal((int)s.signals[i], SIG_DFL);
    return exec_command(s.argv, s.env);
}
