"""Create and fill the harness virtualenv once, from pinned constraints."""

import hashlib
import os
import shutil
import subprocess
import sys

from minicloud_lib import paths
from minicloud_lib.errors import SetupError

#: Everything every service module needs, installed in one go so that
#: adding a service later needs no second install.
PACKAGES = (
    "keystone",
    "glance",
    "nova",
    "openstack-placement",
    "neutron",
    "cinder",
    "ironic",
    "gunicorn",
    "pymysql",
    "python-openstackclient",
    "openstacksdk",
)

STAMP = paths.VENV_DIR / ".minicloud-stamp"
#: The harness's own test-only drivers (pip install -e, with pyghmi and
#: fixtures as dependencies); re-installed when their pyproject changes.
DRIVERS_DIR = paths.TOOL_DIR / "drivers"
DRIVERS_STAMP = paths.VENV_DIR / ".minicloud-drivers-stamp"
#: Debian packages the services shell out to (Ironic's ``ipmi`` type).
SYSTEM_TOOLS = {"ipmitool": "ipmitool"}
#: The Python version constraints.txt was verified with.
VERIFIED_PYTHON = (3, 11)


def _wanted_stamp() -> str:
    """Hash of the constraints file plus the package list."""
    digest = hashlib.sha256(paths.CONSTRAINTS.read_bytes())
    digest.update("\n".join(PACKAGES).encode())
    return digest.hexdigest()


def is_installed() -> bool:
    """True if the venv exists and was filled from these constraints."""
    return (
        paths.VENV_PYTHON.exists()
        and STAMP.exists()
        and STAMP.read_text().strip() == _wanted_stamp()
    )


def ensure_installed() -> bool:
    """Install the venv if needed; return True if work was done."""
    if is_installed():
        return False
    paths.STATE_DIR.mkdir(parents=True, exist_ok=True)
    log = paths.STATE_DIR / "install.log"
    if sys.version_info[:2] != VERIFIED_PYTHON:
        print(
            "warning: constraints.txt was verified on Python "
            f"{'.'.join(map(str, VERIFIED_PYTHON))}, this is "
            f"{sys.version.split()[0]}"
        )
    print(f"installing harness venv into {paths.VENV_DIR} (log: {log})")
    with log.open("ab") as out:
        if not paths.VENV_PYTHON.exists():
            made = subprocess.run(
                [sys.executable, "-m", "venv", str(paths.VENV_DIR)],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
            if made.returncode != 0:
                raise SetupError(f"python3 -m venv failed; see {log}")
        cmd = [
            str(paths.VENV_PYTHON), "-m", "pip", "install",
            "--disable-pip-version-check",
            "-c", str(paths.CONSTRAINTS),
            *PACKAGES,
        ]
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                            timeout=1800)
    if rc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        raise SetupError(
            f"pip install failed; last lines of {log}:\n" + "\n".join(tail)
        )
    STAMP.write_text(_wanted_stamp() + "\n")
    return True


def _drivers_stamp() -> str:
    return hashlib.sha256(
        (DRIVERS_DIR / "pyproject.toml").read_bytes()).hexdigest()


def ensure_drivers() -> bool:
    """pip install -e the harness drivers package if not yet done."""
    if DRIVERS_STAMP.exists() and (
            DRIVERS_STAMP.read_text().strip() == _drivers_stamp()):
        return False
    log = paths.STATE_DIR / "install.log"
    print(f"installing harness drivers from {DRIVERS_DIR} (log: {log})")
    with log.open("ab") as out:
        done = subprocess.run(
            [str(paths.VENV_PYTHON), "-m", "pip", "install",
             "--disable-pip-version-check", "-c", str(paths.CONSTRAINTS),
             "-e", str(DRIVERS_DIR)],
            stdout=out, stderr=subprocess.STDOUT, timeout=600,
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        raise SetupError("pip install -e drivers failed:\n" + "\n".join(tail))
    DRIVERS_STAMP.write_text(_drivers_stamp() + "\n")
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
    log = paths.STATE_DIR / "install.log"
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
