"""Ordinary projects come out clean: nothing at medium or above."""
from __future__ import annotations

import subprocess

from ringfence.scan.findings import Severity

ORDINARY = {
    "package.json": {"name": "app", "version": "1.0.0", "scripts": {"test": "vitest run", "build": "tsc -p .",
                                                                       "start": "node dist/index.js", "lint": "eslint ."},
                     "devDependencies": {"typescript": "^5.4.0"}},
    "tsconfig.json": '{\n  // comments are fine in tsconfig\n  "compilerOptions": {"strict": true,},\n}\n',
    ".github/workflows/ci.yml": "name: CI\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                                "    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test\n",
    ".claude/settings.json": {"permissions": {"deny": ["Read(./.env)", "Read(./secrets/**)", "Bash(rm -rf *)",
                                                       "Bash(curl *)", "WebFetch"]}},
    "CLAUDE.md": "# Conventions\n\n- Run `npm test` before committing.\n- Use TypeScript strict mode.\n",
    "README.md": "# App 🚀\n\nFast ⚡️ and friendly 👩‍💻👨‍👩‍👧.\n\n## Français\nCe projet est génial — « vraiment ».\n\n"
                 "## 中文\n这是一个示例项目。\n",
    "docs/index.fr.md": "Déployer l’application : exécutez « npm run build ».\n",
    ".vscode/settings.json": {"editor.formatOnSave": True},
    ".vscode/extensions.json": {"recommendations": ["dbaeumer.vscode-eslint"]},
    ".editorconfig": "root = true\n[*]\nindent_style = space\n",
    ".gitignore": "node_modules/\ndist/\n.env\n",
    "src/index.ts": "export const hello = (name: string) => `Hello, ${name}!`;\n",
    "assets/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    "node_modules/typescript/package.json": {"name": "typescript", "scripts": {"test": "mocha"}},
    "node_modules/esbuild/package.json": {"name": "esbuild", "scripts": {"postinstall": "node install.js"}},
    "pyproject.toml": "[project]\nname = 'x'\n",
    ".pre-commit-config.yaml": "repos: []\n",
}


def test_ordinary_project_has_nothing_at_medium_or_above(tree, found):
    root = tree(ORDINARY)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    bad = [f for f in found(root, Severity.MEDIUM)]
    assert bad == []
    # and the scan did look: the vendored folder and the dependency's install script are reported low/info
    assert {f.rule for f in found(root, Severity.INFO)} == {"scan.vendored", "npm.dependency-install-script"}

