"""landlock.py: the rule builder (pure), then its rules enforced by the real kernel.

Kernel tests build rules for a temporary tree, apply them in a forked child through
inner.apply_landlock, and compare with the same actions unconfined (the control).
"""
from __future__ import annotations

import errno
import os
import subprocess

import pytest

from ringfence.errors import SandboxError
from ringfence.sandbox import inner, landlock
from ringfence.sandbox.inner import ACCESS_FS_IOCTL_DEV, ACCESS_FS_READ_DIR, ACCESS_FS_REFER, ACCESS_FS_TRUNCATE
from ringfence.sandbox.landlock import MAX_RULES, READ, WRITE, build_rules

ABI = inner.landlock_abi()
kernel = pytest.mark.skipif(ABI == 0, reason="Landlock is not available on this kernel")


def errno_of(fn, *args) -> int:
    try:
        fn(*args)
    except OSError as e:
        return e.errno
    return 0


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def write(path: str, data: bytes = b"x", mode: str = "wb") -> None:
    with open(path, mode) as f:
        f.write(data)


@pytest.fixture
def tree(tmp_path):
    """root/{public,secret,work} with a denied dir, a re-allowed file and a write root."""
    root = os.path.realpath(tmp_path)
    files = {
        "public/file.txt": b"public", "public/tool.sh": b"#!/bin/sh\nexit 0\n",
        "secret/key": b"key", "secret/allowed.txt": b"allowed", "secret/sub/deep.txt": b"deep",
        "secret/tool.sh": b"#!/bin/sh\nexit 0\n", "secret_sibling.txt": b"sibling",
        "work/existing.txt": b"existing", "work/.env": b"TOKEN=1", "work/src/code.py": b"code",
    }
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write(path, data)
    for rel in ("public/tool.sh", "secret/tool.sh"):
        os.chmod(os.path.join(root, rel), 0o755)
    p = lambda rel: os.path.join(root, rel)  # noqa: E731
    rules = build_rules(["/"], [p("work")], [p("secret"), p("work/.env")], [p("secret/allowed.txt")], ABI or 1)
    return p, rules.to_spec()


def both(confined, spec, action):
    """(unconfined, confined) results of action; the confined run goes first, so what it
    is refused is still there for the control (which names new files by its pid)."""
    kind, got = confined(action, landlock=spec)
    assert kind == "ok", got
    kind, control = confined(action)
    assert kind == "ok", control
    return control, got


# ---------------------------------------------------------------- builder (pure)

def test_decomposition_grants_siblings_and_read_dir_on_the_chain(tmp_path):
    root = os.path.realpath(tmp_path)
    for d in ("a/deny/inner", "a/keep", "b"):
        os.makedirs(os.path.join(root, d))
    write(os.path.join(root, "a/file"))
    os.symlink(os.path.join(root, "a/deny"), os.path.join(root, "a/link"))
    rules = dict(build_rules(["/"], [], [os.path.join(root, "a/deny")], [], 7).rules)
    assert rules["/"] == ACCESS_FS_READ_DIR
    assert rules[root] == ACCESS_FS_READ_DIR and rules[os.path.join(root, "a")] == ACCESS_FS_READ_DIR
    assert rules[os.path.join(root, "a/keep")] == READ and rules[os.path.join(root, "a/file")] == READ
    assert rules[os.path.join(root, "b")] == READ
    assert not any(p.startswith(os.path.join(root, "a/deny")) for p in rules)
    assert os.path.join(root, "a/link") not in rules        # symlinks get no rule
    assert "/usr" in rules and rules["/usr"] == READ         # far siblings of the chain too


def test_allow_read_inside_deny_and_deny_inside_that(tmp_path):
    root = os.path.realpath(tmp_path)
    for d in ("d/a/x", "d/a/y", "d/b"):
        os.makedirs(os.path.join(root, d))
    p = lambda rel: os.path.join(root, rel)  # noqa: E731
    rules = dict(build_rules([root], [], [p("d"), p("d/a/x")], [p("d/a")], 7).rules)
    assert rules[p("d/a")] == ACCESS_FS_READ_DIR and rules[p("d/a/y")] == READ
    assert p("d") not in rules and p("d/b") not in rules and p("d/a/x") not in rules
    assert "/" not in rules and "/usr" not in rules          # read roots are all there is


def test_write_roots_are_readable_and_writable_devices_get_ioctl(tmp_path):
    root = os.path.realpath(tmp_path)
    rules = dict(build_rules(["/usr"], [root], [], [], 7).rules)
    assert rules[root] == READ | WRITE and rules["/usr"] == READ
    assert rules["/dev/null"] & ACCESS_FS_IOCTL_DEV and rules["/dev/pts"] & ACCESS_FS_READ_DIR
    assert not rules[root] & ACCESS_FS_IOCTL_DEV
    assert "/" not in rules


def test_rights_follow_the_abi(tmp_path):
    one = build_rules(["/"], [str(tmp_path)], [], [], 1)
    assert one.handled == (1 << 13) - 1 and one.abi_min == 1
    assert not any(a & (ACCESS_FS_REFER | ACCESS_FS_TRUNCATE | ACCESS_FS_IOCTL_DEV) for _, a in one.rules)
    three = build_rules(["/"], [str(tmp_path)], [], [], 3)
    assert three.abi_min == 3 and dict(three.rules)[os.path.realpath(tmp_path)] & ACCESS_FS_TRUNCATE
    seven = build_rules(["/"], [], [], [], 7)
    assert seven.handled == (1 << 16) - 1 and seven.abi_min == 5
    assert seven.to_spec() == {"abi_min": 5, "handled": seven.handled, "rules": seven.rules}


def test_ties_allow_read_beats_deny_beats_roots_and_bad_input_is_refused(tmp_path):
    root = os.path.realpath(tmp_path)
    cred = os.path.join(root, "cred.json")
    write(cred)
    tie = dict(build_rules([root], [root], [root], [], 7).rules)
    assert tie[root] == WRITE                                         # writable, never readable
    rules = dict(build_rules([root], [], [cred], [cred], 7).rules)   # an agent's own credentials
    assert rules[cred] == READ and rules[root] == ACCESS_FS_READ_DIR
    with pytest.raises(SandboxError):
        build_rules(["relative/path"], [], [], [], 7)
    with pytest.raises(SandboxError) as e:
        build_rules(["/"], [], [], [], 0)
    assert "Landlock" in e.value.message and e.value.fix


def test_too_many_rules_is_an_error_naming_the_path(tmp_path):
    root = os.path.realpath(tmp_path)
    big = os.path.join(root, "big")
    os.mkdir(big)
    for i in range(MAX_RULES + 1):
        os.close(os.open(os.path.join(big, str(i)), os.O_CREAT | os.O_WRONLY, 0o644))
    with pytest.raises(SandboxError) as e:
        build_rules([root], [], [os.path.join(big, "7")], [], 7)
    assert os.path.join(big, "7") in e.value.message and big in e.value.message and e.value.fix


# ---------------------------------------------------------------- enforced by the kernel

@kernel
def test_denied_file_unreadable_its_siblings_readable(confined, tree):
    p, spec = tree

    def action():
        return {rel: errno_of(read, p(rel)) for rel in
                ("secret/key", "secret/sub/deep.txt", "work/.env", "public/file.txt",
                 "secret_sibling.txt", "work/existing.txt", "work/src/code.py")}
    control, got = both(confined, spec, action)
    assert set(control.values()) == {0}
    assert got["secret/key"] == got["secret/sub/deep.txt"] == got["work/.env"] == errno.EACCES
    assert got["public/file.txt"] == got["secret_sibling.txt"] == 0
    assert got["work/existing.txt"] == got["work/src/code.py"] == 0


@kernel
def test_allow_read_inside_a_denied_dir_is_readable_again(confined, tree):
    p, spec = tree
    _, got = both(confined, spec, lambda: (errno_of(read, p("secret/allowed.txt")), errno_of(read, p("secret/key"))))
    assert got == (0, errno.EACCES)


@kernel
def test_denied_dir_names_can_be_listed_but_not_read(confined, tree):
    p, spec = tree   # documented consequence of READ_DIR on the chain
    _, got = both(confined, spec, lambda: (sorted(os.listdir(p("secret"))), errno_of(read, p("secret/key"))))
    assert "key" in got[0] and got[1] == errno.EACCES


@kernel
def test_denied_file_cannot_be_executed(confined, tree):
    p, spec = tree

    def action():
        return [errno_of(lambda: subprocess.run([p(rel)], check=True)) for rel in ("public/tool.sh", "secret/tool.sh")]
    control, got = both(confined, spec, action)
    assert control == [0, 0] and got == [0, errno.EACCES]


@kernel
def test_writes_only_inside_write_roots(confined, tree):
    p, spec = tree

    def action():
        me = os.getpid()
        return {
            "new_in_work": errno_of(write, p(f"work/new.{me}")),
            "mkdir_in_work": errno_of(os.mkdir, p(f"work/newdir.{me}")),
            "new_in_public": errno_of(write, p(f"public/new.{me}")),
            "append_public": errno_of(write, p("public/file.txt"), b"x", "ab"),
            "truncate_public": errno_of(os.truncate, p("public/file.txt"), 0),
            "mkdir_public": errno_of(os.mkdir, p(f"public/newdir.{me}")),
            "unlink_public": errno_of(os.unlink, p("public/file.txt")),
        }
    control, got = both(confined, spec, action)
    assert set(control.values()) == {0}
    assert got["new_in_work"] == got["mkdir_in_work"] == 0
    for name in ("new_in_public", "append_public", "truncate_public", "mkdir_public", "unlink_public"):
        assert got[name] == errno.EACCES, name


@kernel
def test_proc_self_root_does_not_bypass(confined, tree):
    p, spec = tree
    via = lambda rel: "/proc/self/root" + p(rel)  # noqa: E731
    _, got = both(confined, spec, lambda: (errno_of(read, via("secret/key")), errno_of(read, via("public/file.txt"))))
    assert got == (errno.EACCES, 0)


@kernel
def test_symlink_made_inside_the_sandbox_does_not_bypass(confined, tree):
    p, spec = tree

    def action():
        to_key, to_public = p(f"work/to_key.{os.getpid()}"), p(f"work/to_public.{os.getpid()}")
        os.symlink(p("secret/key"), to_key)
        os.symlink(p("public/file.txt"), to_public)
        return errno_of(read, to_key), errno_of(read, to_public)
    control, got = both(confined, spec, action)
    assert control == (0, 0)
    assert got == (errno.EACCES, 0)


@kernel
def test_hardlink_to_denied_file_cannot_be_made_or_cannot_be_read(confined, tree):
    p, spec = tree

    def action():
        return {
            "link_out_of_denied_dir": errno_of(os.link, p("secret/key"), p("work/key")),
            "link_env_to_readable_dir": errno_of(os.link, p("work/.env"), p("work/src/env")),
            "rename_env_to_readable_dir": errno_of(os.rename, p("work/.env"), p("work/src/.env")),
            "link_env_same_dir": errno_of(os.link, p("work/.env"), p("work/env2")),
            "read_env_link": errno_of(read, p("work/env2")),
            "link_ok": errno_of(os.link, p("work/existing.txt"), p("work/src/existing.txt")),
            "read_ok_link": errno_of(read, p("work/src/existing.txt")),
        }
    kind, got = confined(action, landlock=spec)
    assert kind == "ok", got
    # What holds: a link or rename into a directory where the file would gain rights is
    # refused (EXDEV); a link in the same directory is made but is just as unreadable.
    assert got["link_out_of_denied_dir"] == errno.EXDEV
    assert got["link_env_to_readable_dir"] == got["rename_env_to_readable_dir"] == errno.EXDEV
    assert got["link_env_same_dir"] == 0 and got["read_env_link"] == errno.EACCES
    assert got["link_ok"] == got["read_ok_link"] == 0
    assert os.path.exists(p("work/.env")) and not os.path.exists(p("work/key"))


@kernel
def test_rename_out_of_a_write_root_is_refused(confined, tree):
    p, spec = tree

    def action():
        return (errno_of(os.rename, p("work/existing.txt"), p("public/moved.txt")),
                errno_of(os.rename, p("work/src/code.py"), p("work/moved.py")))
    kind, got = confined(action, landlock=spec)
    assert kind == "ok", got
    assert got[0] in (errno.EACCES, errno.EXDEV) and got[1] == 0
    assert os.path.exists(p("work/existing.txt")) and not os.path.exists(p("public/moved.txt"))


@kernel
def test_new_file_in_a_decomposed_write_root_is_not_readable(confined, tree):
    p, spec = tree   # documented limitation: work/ is decomposed because work/.env is denied

    def action():
        write(p("work/new.txt"))
        write(p("work/src/new.txt"))
        return errno_of(read, p("work/new.txt")), errno_of(read, p("work/src/new.txt"))
    kind, got = confined(action, landlock=spec)
    assert kind == "ok", got
    assert got == (errno.EACCES, 0)


@kernel
def test_missing_paths_are_skipped_and_refusals_are_errors(confined, tree):
    p, spec = tree
    missing = dict(spec, rules=spec["rules"] + [(p("nowhere/at/all"), READ)])
    assert confined(lambda: errno_of(read, p("public/file.txt")), landlock=missing) == ("ok", 0)
    kind, text = confined(lambda: 0, landlock=dict(spec, abi_min=99))
    assert kind == "error" and "ABI 99" in text
    kind, text = confined(lambda: 0, landlock=dict(spec, handled=spec["handled"] | 1 << 40))
    assert kind == "error" and "ruleset" in text
    kind, text = confined(lambda: 0, landlock=dict(spec, rules=[("/", 1 << 40)]))
    assert kind == "error" and "rule for /" in text


@kernel
def test_landlock_abi_reported():
    assert ABI >= 1
    assert landlock.landlock_abi() == ABI


@kernel
def test_a_rule_on_a_symlink_never_grants_its_target(confined, tree):
    p, spec = tree   # e.g. a sibling swapped for a symlink between listing and applying
    os.symlink(p("secret"), p("public/swapped"))
    swapped = dict(spec, rules=spec["rules"] + [(p("public/swapped"), READ)])
    _, got = both(confined, swapped, lambda: (errno_of(read, p("secret/key")), errno_of(read, p("public/file.txt"))))
    assert got == (errno.EACCES, 0)
