"""Well-known locations of the harness: repo root, state dir, venv."""

from pathlib import Path

#: ``tools/minicloud`` (holds this package, constraints and the entry).
TOOL_DIR = Path(__file__).resolve().parent.parent
#: Root of the Pumphouse git checkout.
REPO_ROOT = TOOL_DIR.parent.parent
#: All mutable harness state (git-ignored).
STATE_DIR = REPO_ROOT / ".minicloud"
#: The harness virtualenv, separate from Pumphouse's own.
VENV_DIR = STATE_DIR / "venv"
VENV_BIN = VENV_DIR / "bin"
VENV_PYTHON = VENV_BIN / "python"
#: Pinned versions known to install together.
CONSTRAINTS = TOOL_DIR / "constraints.txt"
#: clouds.yaml for openstackclient / openstacksdk.
CLOUDS_YAML = STATE_DIR / "clouds.yaml"
#: Generated passwords (mode 0600).
SECRETS_FILE = STATE_DIR / "secrets"
