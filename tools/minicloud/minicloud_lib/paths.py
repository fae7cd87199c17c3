# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Well-known locations of the harness: repo root, state dir, venvs.

``MINICLOUD_STATE_DIR`` (developer option, see README.rst "A trial
cloud beside the harness") moves the cloud state (configs, logs, PID
files, secrets, clouds.yaml, lock) elsewhere; the venvs always stay in
the checkout's ``.minicloud`` (slow to build, no cloud state in them).
"""

import os
from pathlib import Path

#: ``tools/minicloud`` (holds this package, constraints and the entry).
TOOL_DIR = Path(__file__).resolve().parent.parent
#: Root of the Pumphouse git checkout.
REPO_ROOT = TOOL_DIR.parent.parent
#: The checkout's own state directory (git-ignored); holds the venvs.
DEFAULT_STATE_DIR = REPO_ROOT / ".minicloud"
#: All mutable harness state of this run.
_CUSTOM = os.environ.get("MINICLOUD_STATE_DIR")
STATE_DIR = Path(_CUSTOM).resolve() if _CUSTOM else DEFAULT_STATE_DIR
#: True if ``MINICLOUD_STATE_DIR`` points somewhere else.
CUSTOM_STATE_DIR = STATE_DIR != DEFAULT_STATE_DIR
#: The harness virtualenv of the current release, separate from
#: Pumphouse's (see :mod:`minicloud_lib.releases` for the others).
VENV_DIR = DEFAULT_STATE_DIR / "venv"
VENV_BIN = VENV_DIR / "bin"
VENV_PYTHON = VENV_BIN / "python"
#: Pinned versions known to install together (current release).
CONSTRAINTS = TOOL_DIR / "constraints.txt"
#: The 2024.1 venv and its constraints (upper-constraints + services).
VENV_2024_1_DIR = DEFAULT_STATE_DIR / "venv-2024.1"
CONSTRAINTS_2024_1 = TOOL_DIR / "constraints-2024.1.txt"
#: clouds.yaml for openstackclient / openstacksdk.
CLOUDS_YAML = STATE_DIR / "clouds.yaml"
#: Generated passwords (mode 0600).
SECRETS_FILE = STATE_DIR / "secrets"
#: The OpenStack release the source cloud was set up with (``current``
#: if the file is missing).
SOURCE_RELEASE_FILE = STATE_DIR / "source-release"
