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

"""Create and fill the harness virtualenvs once, from pinned constraints.

One venv per release (:mod:`minicloud_lib.releases`): ``.minicloud/venv``
(current; also holds the clients, the seeder and PyMySQL for the
harness itself) and ``.minicloud/venv-2024.1`` (the source's services
when ``up --source-release 2024.1``). Each has a stamp file with the
hash of its constraints and package list, so later runs skip pip.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

from minicloud_lib import paths
from minicloud_lib import releases
from minicloud_lib.errors import SetupError

#: Everything every service module of the current release needs,
#: installed in one go so that adding a service later needs no second
#: install.
PACKAGES = releases.get(releases.CURRENT).packages

STAMP_NAME = ".minicloud-stamp"
STAMP = paths.VENV_DIR / STAMP_NAME
#: The harness's own test-only drivers (pip install -e, with pyghmi and
#: fixtures as dependencies); re-installed when their pyproject changes.
DRIVERS_DIR = paths.TOOL_DIR / "drivers"
DRIVERS_STAMP_NAME = ".minicloud-drivers-stamp"
DRIVERS_STAMP = paths.VENV_DIR / DRIVERS_STAMP_NAME
#: Debian packages the services shell out to (Ironic's ``ipmi`` type).
SYSTEM_TOOLS = {"ipmitool": "ipmitool"}
#: The Python version the constraints files were verified with.
VERIFIED_PYTHON = (3, 11)
#: Held while pip runs: the venvs are shared by every state directory
#: (``MINICLOUD_STATE_DIR``), whose runs have locks of their own.
INSTALL_LOCK = paths.DEFAULT_STATE_DIR / "install.lock"


def _release(name: str | None) -> releases.Release:
    return releases.get(name or releases.CURRENT)


def _wanted_stamp(release: releases.Release) -> str:
    """Hash of the constraints file plus the package list."""
    digest = hashlib.sha256(release.constraints.read_bytes())
    digest.update("\n".join(release.packages).encode())
    return digest.hexdigest()


def is_installed(release_name: str | None = None) -> bool:
    """True if the release's venv exists and was filled from its
    constraints."""
    release = _release(release_name)
    stamp = release.venv_dir / STAMP_NAME
    return (
        release.venv_python.exists()
        and stamp.exists()
        and stamp.read_text().strip() == _wanted_stamp(release)
    )


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    INSTALL_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_installed(release_name: str | None = None) -> bool:
    """Install the release's venv if needed; return True if work was
    done."""
    release = _release(release_name)
    if is_installed(release.name):
        return False
    with _install_lock():
        if is_installed(release.name):  # done by a concurrent run
            return False
        _install(release)
    return True


def _install(release: releases.Release) -> None:
    log = release.install_log
    stamp = release.venv_dir / STAMP_NAME
    if sys.version_info[:2] != VERIFIED_PYTHON:
        print(
            f"warning: {release.constraints.name} was verified on Python "
            f"{'.'.join(map(str, VERIFIED_PYTHON))}, this is "
            f"{sys.version.split()[0]}"
        )
    print(f"installing the {release.name} harness venv into "
          f"{release.venv_dir} (log: {log})")
    with log.open("ab") as out:
        if not release.venv_python.exists():
            made = subprocess.run(
                [sys.executable, "-m", "venv", str(release.venv_dir)],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
            if made.returncode != 0:
                raise SetupError(f"python3 -m venv failed; see {log}")
        cmd = [
            str(release.venv_python), "-m", "pip", "install",
            "--disable-pip-version-check",
            "-c", str(release.constraints),
            *release.packages,
        ]
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                            timeout=1800)
    if rc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        raise SetupError(
            f"pip install failed; last lines of {log}:\n" + "\n".join(tail)
        )
    stamp.write_text(_wanted_stamp(release) + "\n")


def _drivers_stamp() -> str:
    return hashlib.sha256(
        (DRIVERS_DIR / "pyproject.toml").read_bytes()).hexdigest()


def ensure_drivers(release_name: str | None = None) -> bool:
    """pip install -e the harness drivers package into the release's
    venv if not yet done."""
    release = _release(release_name)
    stamp = release.venv_dir / DRIVERS_STAMP_NAME
    if stamp.exists() and stamp.read_text().strip() == _drivers_stamp():
        return False
    log = release.install_log
    print(f"installing harness drivers from {DRIVERS_DIR} into "
          f"{release.venv_dir} (log: {log})")
    with _install_lock(), log.open("ab") as out:
        done = subprocess.run(
            [str(release.venv_python), "-m", "pip", "install",
             "--disable-pip-version-check", "-c", str(release.constraints),
             "-e", str(DRIVERS_DIR)],
            stdout=out, stderr=subprocess.STDOUT, timeout=600,
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        raise SetupError("pip install -e drivers failed:\n" + "\n".join(tail))
    stamp.write_text(_drivers_stamp() + "\n")
    return True


def ensure_system_tools() -> None:
    """Install missing Debian tools (as root, with apt-get), or fail."""
    missing = [pkg for tool, pkg in SYSTEM_TOOLS.items()
               if shutil.which(tool) is None]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise SetupError(
            f"missing system packages {missing}: install them (e.g. "
            f"sudo apt-get install {' '.join(missing)}) and run up again")
    print(f"installing Debian packages {missing}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [apt, "install", "-y", "-q", "--no-install-recommends",
               *missing]
    log = releases.get(releases.CURRENT).install_log
    with log.open("ab") as out:
        done = subprocess.run(install, stdout=out, stderr=subprocess.STDOUT,
                              env=env, timeout=600)
        if done.returncode != 0:  # stale package lists: refresh once
            subprocess.run([apt, "update", "-q"], stdout=out,
                           stderr=subprocess.STDOUT, env=env, timeout=600)
            done = subprocess.run(install, stdout=out,
                                  stderr=subprocess.STDOUT, env=env,
                                  timeout=600)
    if done.returncode != 0:
        raise SetupError(f"apt-get install {missing} failed; see {log}")
