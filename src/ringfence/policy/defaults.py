"""Safe defaults that do not depend on the user's memory.

Everything here is data; profiles.py combines it, the layers compile it.
"""
from __future__ import annotations

# Credentials unreadable by default ("~" is the user's home). Globs are allowed.
CREDENTIAL_PATHS: tuple[str, ...] = (
    "~/.ssh", "~/.aws", "~/.gnupg", "~/.config/gh", "~/.git-credentials", "~/.netrc",
    "~/.npmrc", "~/.pypirc", "~/.docker/config.json", "~/.kube", "~/.azure",
    "~/.config/gcloud", "~/.config/doctl", "~/.config/hub", "~/.oci", "~/.terraform.d",
    "~/.vault-token", "~/.password-store", "~/.local/share/keyrings", "~/.pgpass",
    "~/.my.cnf", "~/.cargo/credentials", "~/.cargo/credentials.toml", "~/.gem/credentials",
    "~/.config/op", "~/.mozilla", "~/.config/google-chrome", "~/.config/chromium",
    # wallets
    "~/.bitcoin", "~/.ethereum", "~/.electrum", "~/.config/Exodus", "~/.config/solana",
    "~/.local/share/io.parity.ethereum",
    # the agent's own credentials (an agent preset may re-allow these for itself)
    "~/.claude/.credentials.json",
    # system secrets
    "/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers",
    "/etc/sudoers.d", "/etc/ssh/ssh_host_*_key", "/etc/ssl/private", "/root/.ssh",
)

# Write-protected inside every writable root, whether they exist yet or not.
# Relative to the root; a trailing "/" marks a directory.
PROTECTED_NAMES: tuple[str, ...] = (
    ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc",
    ".zshenv", ".zprofile", ".zlogin", ".zlogout", ".kshrc", ".cshrc", ".tcshrc",
    ".config/fish/",
    ".gitconfig", ".git/hooks/", ".git/config", ".git/info/attributes", ".gitmodules",
    ".claude/settings.json", ".claude/settings.local.json", ".claude/commands/",
    ".claude/agents/", ".claude/hooks/", ".claude/skills/", ".mcp.json",
    ".vscode/", ".idea/", ".devcontainer/", ".envrc", ".husky/", ".yarnrc.yml",
    ".yarnrc", ".npmrc", ".pre-commit-config.yaml", ".ripgreprc",
    "ringfence.toml", ".ringfence/",
)

# Variables that pass into the sandbox by default (exact names; "LC_*" is a prefix).
ENV_ALLOWLIST: tuple[str, ...] = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TERM",
    "COLORTERM", "TZ", "EDITOR", "VISUAL", "PAGER", "NO_COLOR", "FORCE_COLOR",
    "COLUMNS", "LINES", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
)

# Names that look like secrets never pass unless named explicitly (fnmatch, case-insensitive).
SECRET_PATTERNS: tuple[str, ...] = (
    "*_TOKEN", "*_KEY", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*_PAT", "*CREDENTIAL*",
    "*_AUTH", "*APIKEY*", "*API_KEY*", "*PRIVATE*", "*SESSION*", "*COOKIE*",
    "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "*_PROXY",
)

# Agent presets: when the command is one of these agents, ringfence adds what the agent
# needs to work (its state directory, its API host, its key) and nothing else.
AGENT_PRESETS: dict[str, dict] = {
    "claude": {
        "allowWrite": ["~/.claude", "~/.claude.json", "~/.claude.json.backup", "~/.cache/claude",
                       "~/.local/state/claude", "~/.local/share/claude"],
        "allowRead": ["~/.claude/.credentials.json"],
        "protect": ["~/.claude/settings.json", "~/.claude/settings.local.json",
                    "~/.claude/commands/", "~/.claude/agents/", "~/.claude/hooks/",
                    "~/.claude/skills/", "~/.claude/CLAUDE.md", "~/.claude/plugins/"],
        "allowedDomains": ["api.anthropic.com"],
        "env": ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
                "ANTHROPIC_MODEL", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CONFIG_DIR",
                "DISABLE_TELEMETRY", "DISABLE_AUTOUPDATER", "CLAUDE_CODE_*"],
    },
    "codex": {
        "allowWrite": ["~/.codex"],
        "allowRead": [],
        "protect": ["~/.codex/config.toml"],
        "allowedDomains": ["api.openai.com", "chatgpt.com"],
        "env": ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME"],
    },
    "gemini": {
        "allowWrite": ["~/.gemini"],
        "allowRead": [],
        "protect": ["~/.gemini/settings.json"],
        "allowedDomains": ["generativelanguage.googleapis.com"],
        "env": ["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT"],
    },
    "aider": {
        "allowWrite": ["~/.aider", "~/.cache/aider"],
        "allowRead": [],
        "protect": ["~/.aider.conf.yml"],
        "allowedDomains": [],
        "env": ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OLLAMA_API_BASE", "AIDER_*"],
    },
}
