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

"""Detached service processes tracked by PID files.

Only processes named by our own PID files are ever signalled, and only
after checking that the PID still runs the command line we started
(PIDs get reused).
"""

import os
import signal
import subprocess
import time
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path


def start(
    argv: Sequence[str],
    pid_file: Path,
    log_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` in a new session, detached; write its PID file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log, open(os.devnull, "rb") as null:
        proc = subprocess.Popen(
            list(argv),
            stdin=null,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,  # setsid: survives our exit
            close_fds=True,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def read_pid(pid_file: Path) -> int | None:
    """PID recorded in ``pid_file``, or None if missing or garbled."""
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def cmdline(pid: int) -> list[str]:
    """Command line of ``pid`` (empty if gone or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # Field 3, after the parenthesised command name, is the state.
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def is_ours(pid: int, marker: str) -> bool:
    """True if ``pid`` is alive and its command line contains ``marker``.

    ``marker`` is a string unique to the process we started, e.g. the
    gunicorn ``--name``. While a process renames itself (setproctitle)
    its command line can read empty for a moment, so a live process
    that does not match is looked at again a few times.
    """
    for _ in range(5):
        if any(marker in arg for arg in cmdline(pid)):
            return True
        if not alive(pid):
            return False
        time.sleep(0.1)
    return False


def running(pid_file: Path, marker: str) -> int | None:
    """PID from ``pid_file`` if that process is alive and ours."""
    pid = read_pid(pid_file)
    if pid is not None and is_ours(pid, marker):
        return pid
    return None


def stop(pid_file: Path, marker: str, timeout: float = 15.0) -> bool:
    """Stop the process group named by ``pid_file``; remove the file.

    SIGTERM first, SIGKILL after ``timeout`` seconds. Returns True if a
    live process of ours was signalled.
    """
    pid = running(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    # The service was started with setsid, so its PID is its process
    # group; signalling the group also reaches gunicorn workers.
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_ours(pid, marker) and not _group_alive(pid):
            break
        time.sleep(0.2)
    else:
        _signal_group(pid, signal.SIGKILL)
        time.sleep(0.5)
    pid_file.unlink(missing_ok=True)
    return True


def stop_many(
    targets: Sequence[tuple[Path, str]], timeout: float = 15.0,
) -> list[int | None]:
    """Stop several PID-file processes at once (``down``).

    Same rules as :func:`stop`, but every group gets SIGTERM first and
    the waits overlap, so slow shutdowns do not add up. Returns, per
    target, the PID that was stopped, or None if none of ours ran.
    """
    pids = [running(pid_file, marker) for pid_file, marker in targets]
    for pid in pids:
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    live = {pid for pid in pids if pid is not None}
    while live and time.monotonic() < deadline:
        live = {pid for pid in live if _group_alive(pid)}
        time.sleep(0.2)
    for pid in live:
        _signal_group(pid, signal.SIGKILL)
    if live:
        time.sleep(0.5)
    for pid_file, _marker in targets:
        pid_file.unlink(missing_ok=True)
    return pids


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
