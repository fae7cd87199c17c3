"""Create and fill the harness virtualenv once, from pinned constraints."""

import hashlib
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
            )
            if made.returncode != 0:
                raise SetupError(f"python3 -m venv failed; see {log}")
        cmd = [
            str(paths.VENV_PYTHON), "-m", "pip", "install",
            "--disable-pip-version-check",
            "-c", str(paths.CONSTRAINTS),
            *PACKAGES,
        ]
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    if rc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        raise SetupError(
            f"pip install failed; last lines of {log}:\n" + "\n".join(tail)
        )
    STAMP.write_text(_wanted_stamp() + "\n")
    return True
