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

"""What a service module provides, and how its processes are run.

A service (Keystone, later Glance, Nova, ...) is one module under
``minicloud_lib.services`` with a :class:`Service` subclass. It owns
``.minicloud/<cloud>/<service>/`` and runs one or more :class:`Unit`
processes (an API under gunicorn, later conductors, schedulers, ...).
"""

import abc
import configparser
import json
import os
import subprocess
import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import ClassVar

from minicloud_lib import health
from minicloud_lib import paths
from minicloud_lib import process
from minicloud_lib import releases
from minicloud_lib.cloud import Cloud
from minicloud_lib.errors import SetupError

#: Longest a set-up command (``db sync`` and the like) may take.
TOOL_TIMEOUT = 900


@dataclass
class Unit:
    """One long-running process of a service in one cloud."""

    name: str
    argv: list[str]
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    #: Shown by ``status``; None for processes without an endpoint.
    url: str | None = None
    #: GET answering < 400 means healthy; None: a live process suffices.
    health_url: str | None = None
    #: Unique text in the process command line, checked before any
    #: signal is sent (see :mod:`minicloud_lib.process`).
    marker: str = ""
    #: Where this run's output starts in the log (set by :meth:`start`).
    _log_offset: int = field(default=0, init=False, repr=False)

    @property
    def pid_file(self) -> Path:
        """PID file written when the unit is started."""
        return self.state_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        """Combined stdout/stderr of the unit."""
        return self.state_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """PID of the running unit, if it is ours and alive."""
        return process.running(self.pid_file, self.marker)

    def healthy(self) -> bool:
        """True if the unit runs and (if it has one) its check passes."""
        if self.pid() is None:
            return False
        return self.health_url is None or health.http_ok(self.health_url)

    def start(self) -> int:
        """Start the unit detached; return its PID."""
        env = dict(os.environ)
        env.update(self.env)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("a") as log:
            log.write(f"==== minicloud: starting {self.marker} at "
                      f"{time.strftime('%Y-%m-%d %H:%M:%S')} ====\n")
            self._log_offset = log.tell()
        return process.start(
            self.argv, self.pid_file, self.log_file, env=env,
            cwd=self.state_dir,
        )

    def stop(self) -> bool:
        """Stop the unit named by its PID file (ours only)."""
        return process.stop(self.pid_file, self.marker)

    def log_tail(self, lines: int = 40) -> str:
        """Last ``lines`` lines of the unit's log since its last start."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode(errors="replace")
        except FileNotFoundError:
            return f"(no log at {self.log_file})"
        return "\n".join(text.splitlines()[-lines:])


class Service(abc.ABC):
    """Base of all service modules.

    Subclasses set :attr:`name` and :attr:`port_offset` and implement
    :meth:`configure` and :meth:`units`.
    """

    #: Service name, also its state sub-directory and database suffix.
    name: ClassVar[str]
    #: Offset of the API port from the cloud's ``port_base``.
    port_offset: ClassVar[int]
    #: Databases to create (suffixes for :meth:`Cloud.db_name`).
    databases: ClassVar[tuple[str, ...]] = ()
    #: Names of the clouds that run this service; None: every cloud.
    clouds: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    @property
    def release(self) -> releases.Release:
        """The OpenStack release (venv, differences) of this cloud."""
        return self.cloud.release_info

    @property
    def state_dir(self) -> Path:
        """``.minicloud/<cloud>/<service>/``."""
        return self.cloud.state_dir / self.name

    def url(self, path: str = "") -> str:
        """URL of this service's API in its cloud."""
        return self.cloud.url(self.port_offset, path)

    @abc.abstractmethod
    def units(self) -> list[Unit]:
        """The processes this service runs."""

    @abc.abstractmethod
    def configure(self) -> None:
        """Write config, sync databases, set up keys; idempotent.

        Called by ``up`` before (re)starting any of the service's units.
        Databases in :attr:`databases` already exist by then.
        """

    def wait_ready(self) -> None:
        """After all units are healthy: wait until the service really
        works (e.g. compute hosts registered); raise SetupError if not.
        """
        return None

    # Helpers for subclasses -------------------------------------------

    def write_ini(
        self, filename: str, sections: Mapping[str, Mapping[str, object]]
    ) -> Path:
        """Write an oslo.config style file into the state dir."""
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        for section, options in sections.items():
            if section != "DEFAULT":
                parser.add_section(section)
            for key, value in options.items():
                parser.set(section, key, _ini_value(value))
        path = self.state_dir / filename
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            parser.write(out)
        return path

    def run_tool(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> int:
        """Run a venv command (e.g. ``keystone-manage``), logged.

        Output goes to ``<service>-setup.log``; on an exit code not in
        ``ok_codes`` its tail is raised in a :class:`SetupError`.
        Returns the exit code.
        """
        log = self.state_dir / f"{self.name}-setup.log"
        full_env = dict(os.environ)
        full_env.update(env or {})
        cmd = [str(self.release.venv_bin / argv[0]), *argv[1:]]
        with log.open("ab") as out:
            out.write(f"$ {' '.join(argv)}\n".encode())
            out.flush()
            try:
                done = subprocess.run(
                    cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env,
                    cwd=self.state_dir, timeout=TOOL_TIMEOUT,
                )
            except subprocess.TimeoutExpired as exc:
                raise SetupError(
                    f"{self.cloud.name}/{self.name}: {' '.join(argv)} took "
                    f"more than {TOOL_TIMEOUT}s; see {log}") from exc
        if done.returncode not in ok_codes:
            tail = log.read_text(errors="replace").splitlines()[-40:]
            raise SetupError(
                f"{self.cloud.name}/{self.name}: {' '.join(argv)} "
                f"failed (exit {done.returncode}); {log}:\n"
                + "\n".join(tail)
            )
        return done.returncode

    def gunicorn_unit(
        self,
        app: str,
        env: Mapping[str, str],
        health_path: str = "/",
        argv: Sequence[str] | None = None,
        threads: int = 4,
    ) -> Unit:
        """A unit serving WSGI callable ``app`` under the venv gunicorn.

        ``app`` is usually ``self.release.wsgi_app(self.name)``.
        """
        marker = f"minicloud-{self.cloud.name}-{self.name}"
        unit_env = dict(env)
        unit_env["MINICLOUD_WSGI_APP"] = app
        unit_env["MINICLOUD_WSGI_ARGV"] = json.dumps(
            list(argv or [self.name])
        )
        command = [
            str(self.release.venv_bin / "gunicorn"),
            "--name", marker,
            "--bind", f"{self.cloud.host}:{self.cloud.port(self.port_offset)}",
            "--workers", "1",
            "--worker-class",
            self.release.gunicorn_worker_classes.get(self.name, "gthread"),
            "--threads", str(threads),
            "--timeout", "120",
            "--graceful-timeout", "5",
            # Gunicorn closes an idle kept-alive connection after 2 s by
            # default, the very interval openstacksdk polls at: a poll
            # then races the close and fails with RemoteDisconnected.
            "--keep-alive", "75",
            # Nova asks Neutron for the ports of up to 150 servers in one
            # GET (device_id=...&device_id=..., about 7 KB): gunicorn's
            # default request line limit (4094) refuses it with a 400
            # that Nova turns into a 500 for a list of 150 servers or
            # more. 8190 is Apache's default, in front of most clouds.
            "--limit-request-line", "8190",
            # Per release: e.g. --no-control-socket (the default control
            # socket path is shared by every gunicorn of the user).
            *self.release.gunicorn_options,
            "--access-logfile", "-",
            "--pythonpath", str(paths.TOOL_DIR),
            "minicloud_lib.wsgi:application",
        ]
        return Unit(
            name=self.name,
            argv=command,
            state_dir=self.state_dir,
            env=unit_env,
            url=self.url(),
            health_url=self.url(health_path),
            marker=marker,
        )


def _ini_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)
