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

"""``up``, ``down``, ``status`` and ``seed``: the CLI sub-commands."""

import concurrent.futures
import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from minicloud_lib import clouds_yaml
from minicloud_lib import health
from minicloud_lib import infra
from minicloud_lib import paths
from minicloud_lib import process
from minicloud_lib import releases
from minicloud_lib import services
from minicloud_lib import venv
from minicloud_lib.cloud import CLOUDS
from minicloud_lib.cloud import Cloud
from minicloud_lib.errors import SetupError
from minicloud_lib.services.base import Service
from minicloud_lib.services.base import Unit

START_TIMEOUT = 90.0
#: How long a run waits for a concurrent one (``up`` takes ~4 min at
#: most from nothing, a full seed ~2 min).
LOCK_TIMEOUT = 1200.0
#: Longest a seed may run.
SEED_TIMEOUT = 1800.0
#: How long an already running but unhealthy unit gets before restart.
GRACE = 10.0


@contextlib.contextmanager
def _locked(name: str = "lock") -> Iterator[None]:
    """Serialise runs (tests may call ``up`` or ``seed`` at once).

    Waits at most LOCK_TIMEOUT for the other run to finish.
    """
    paths.STATE_DIR.mkdir(parents=True, exist_ok=True)
    with open(paths.STATE_DIR / name, "w") as lock:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SetupError(
                        f"{paths.STATE_DIR / name} is still held by another "
                        f"minicloud run after {LOCK_TIMEOUT:.0f}s") from None
                time.sleep(1)
        yield


def source_release() -> str:
    """The release the source cloud runs (or last ran): recorded by
    ``up``; ``current`` if nothing is recorded (harness set up before
    releases existed)."""
    return releases.recorded_source_release() or releases.CURRENT


def clouds(source: str | None = None) -> tuple[Cloud, ...]:
    """The clouds of this run, the source(s) with release ``source``
    (default: the recorded one)."""
    source = source or source_release()
    return tuple(c.with_release(source) if c.kind == "source" else c
                 for c in CLOUDS)


def _running_units(cloud: Cloud) -> list[Unit]:
    return [unit for service in services.for_cloud(cloud)
            for unit in service.units() if unit.pid() is not None]


def _switch_source_release(wanted: str, rebuild: bool = False) -> bool:
    """Make the recorded source release ``wanted``; False if refused.

    A source cloud set up with another release is rebuilt from nothing
    (its databases hold the other release's schema): only when none of
    its processes runs, or with ``rebuild`` (its processes are stopped
    first); its state directory is removed, so ``up`` creates its
    databases anew.
    """
    had = source_release()
    if had == wanted:
        if releases.recorded_source_release() != wanted:
            releases.record_source_release(wanted)
        return True
    old = clouds(had)
    running = [(c, u) for c in old if c.kind == "source"
               for u in _running_units(c)]
    if running and rebuild:
        pids = process.stop_many(
            [(unit.pid_file, unit.marker) for _, unit in running])
        for (cloud, unit), pid in zip(running, pids, strict=True):
            if pid is not None:
                print(f"{_label(cloud, unit)} stopped (pid {pid}): the "
                      f"source moves from {had} to {wanted}")
        running = []
    if running:
        names = ", ".join(u.name for _, u in running[:4])
        print(f"ERROR: the source cloud runs OpenStack {had} ({names}"
              f"{', ...' if len(running) > 4 else ''}); run "
              f"`tools/minicloud/minicloud down` first, then `up "
              f"--source-release {wanted}` (the source is then rebuilt "
              "from nothing: its seeded workload is gone)",
              file=sys.stderr)
        return False
    for cloud in old:
        if cloud.kind == "source" and cloud.state_dir.exists():
            print(f"{cloud.name:<11} release {had} -> {wanted}: removing "
                  f"{cloud.state_dir} (databases are made anew)")
            shutil.rmtree(cloud.state_dir)
    releases.record_source_release(wanted)
    return True


def up(source: str | None = None, rebuild_source: bool = False) -> int:
    """Install if needed, start whatever is not up, write clouds.yaml.

    ``source``: the release of the source cloud (``--source-release``;
    default ``MINICLOUD_SOURCE_RELEASE``, else
    :data:`releases.DEFAULT_SOURCE_RELEASE`). Switching the release of
    a running source cloud is refused (``down`` first) unless
    ``rebuild_source``.
    """
    wanted = (source or os.environ.get("MINICLOUD_SOURCE_RELEASE")
              or releases.DEFAULT_SOURCE_RELEASE)
    if wanted not in releases.RELEASES:
        print(f"ERROR: unknown release {wanted!r} (known: "
              f"{', '.join(releases.RELEASES)})", file=sys.stderr)
        return 2
    with _locked():
        if not _switch_source_release(wanted, rebuild_source):
            return 1
        these = clouds(wanted)
        try:
            # The current venv also serves the harness itself (PyMySQL,
            # clients, seeder): always installed.
            needed = dict.fromkeys(
                [releases.CURRENT, *(c.release for c in these)])
            for name in needed:
                venv.ensure_installed(name)
                venv.ensure_drivers(name)
            venv.ensure_system_tools()
        except (SetupError, subprocess.TimeoutExpired) as exc:
            print(f"ERROR: {exc}", file=sys.stderr)
            return 1
        # The clouds are independent: set them up side by side.
        with concurrent.futures.ThreadPoolExecutor(len(these)) as pool:
            futures = [pool.submit(_up_cloud, cloud) for cloud in these]
        failed = False
        for future in futures:
            exc = future.exception()
            if isinstance(exc, SetupError | subprocess.TimeoutExpired):
                print(f"ERROR: {exc}", file=sys.stderr)
                failed = True
            elif exc is not None:
                raise exc
        if failed:
            return 1
        clouds_yaml.write(these)
    print(f"clouds.yaml: {paths.CLOUDS_YAML}")
    return 0


def down() -> int:
    """Stop exactly the processes our PID files name (all at once)."""
    with _locked():
        units = [
            (cloud, unit)
            for cloud in reversed(clouds())
            for service in reversed(services.for_cloud(cloud))
            for unit in reversed(service.units())
        ]
        pids = process.stop_many(
            [(unit.pid_file, unit.marker) for _, unit in units])
        for (cloud, unit), pid in zip(units, pids, strict=True):
            if pid is None:
                print(f"{_label(cloud, unit)} was not running")
            else:
                print(f"{_label(cloud, unit)} stopped (pid {pid})")
    return 0


def status() -> int:
    """One line per unit per cloud; exit 0 only if all are up."""
    all_up = True
    for cloud in clouds():
        if cloud.kind == "source":
            print(f"{cloud.name:<11} {'release':<18} {cloud.release} "
                  f"({cloud.release_info.venv_dir})")
        for service in services.for_cloud(cloud):
            for unit in service.units():
                pid = unit.pid()
                ok = unit.healthy()
                all_up = all_up and ok
                state = "up" if ok else ("unhealthy" if pid else "down")
                where = unit.url or "-"
                extra = f" (pid {pid})" if pid else ""
                print(f"{_label(cloud, unit)} {state:<9} {where}{extra}")
    return 0 if all_up else 3


def _label(cloud: Cloud, unit: Unit) -> str:
    return f"{cloud.name:<11} {unit.name:<18}"


def _up_cloud(cloud: Cloud) -> None:
    prepared = False
    for service in services.for_cloud(cloud):
        units = service.units()
        if all(_settled_healthy(u) for u in units):
            for unit in units:
                print(f"{_label(cloud, unit)} up (pid {unit.pid()}) "
                      f"{unit.url or ''}".rstrip())
            continue
        if not prepared:
            _prepare(cloud)
            prepared = True
        _start_service(cloud, service, units)


def _settled_healthy(unit: Unit) -> bool:
    """Healthy now, or a live unit that becomes healthy within GRACE."""
    if unit.healthy():
        return True
    if unit.pid() is None:
        return False
    if _wait_healthy(unit, GRACE):
        return True
    print(f"{_label_unit(unit)} running but unhealthy: restarting")
    unit.stop()
    return False


def _label_unit(unit: Unit) -> str:
    return unit.marker or unit.name


def _prepare(cloud: Cloud) -> None:
    """Per-cloud shared resources: databases and the RabbitMQ vhost.

    The databases go with this checkout's state directory (keys, node
    identities): the first time a state directory is set up, databases
    left by another checkout or an older run are dropped and made anew.
    """
    cloud.state_dir.mkdir(parents=True, exist_ok=True)
    marker = cloud.state_dir / "databases-created"
    names = [
        cloud.db_name(db)
        for service in services.for_cloud(cloud)
        for db in service.databases
    ]
    if names:
        fresh = not marker.exists()
        if fresh:
            print(f"{cloud.name:<11} databases: new state directory, "
                  "creating them anew")
        infra.ensure_databases(names, recreate=fresh)
        marker.write_text("\n".join(names) + "\n")
    vhost = infra.ensure_vhost(cloud.rabbit_vhost)
    print(f"{cloud.name:<11} rabbitmq: {vhost}")


def _start_service(cloud: Cloud, service: Service, units: list[Unit]) -> None:
    began = time.monotonic()
    to_start = [unit for unit in units if unit.pid() is None]
    for unit in to_start:
        if unit.url and health.port_taken(unit.url):
            raise SetupError(
                f"{cloud.name}/{unit.name}: {unit.url} is already in "
                "use by a process minicloud did not start (or whose "
                "PID file is gone); stop it and run up again"
            )
    print(f"{cloud.name:<11} {service.name:<18} configuring")
    service.configure()
    for unit in to_start:
        unit.start()
    for unit in units:
        problem = _wait_started(unit, START_TIMEOUT)
        if problem:
            raise SetupError(
                f"{cloud.name}/{unit.name} {problem}; last lines of "
                f"{unit.log_file}:\n" + unit.log_tail(40)
            )
        print(f"{_label(cloud, unit)} up (pid {unit.pid()}) "
              f"{unit.url or ''} [{time.monotonic() - began:.1f}s]")
    try:
        service.wait_ready()
    except SetupError as exc:
        # Logs of dead units tell most; else those of the daemons (the
        # API logs mostly show our own polling).
        shown = ([u for u in units if u.pid() is None]
                 or [u for u in units if u.url is None] or units)
        tails = "".join(
            f"\nlast lines of {unit.log_file}:\n{unit.log_tail(20)}"
            for unit in shown
        )
        raise SetupError(
            f"{cloud.name}/{service.name}: {exc}{tails}") from exc


def _wait_started(unit: Unit, timeout: float) -> str:
    """Wait for a freshly started unit; return what went wrong, or ""."""
    pid = process.read_pid(unit.pid_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is None or not process.alive(pid):
            time.sleep(0.5)  # let the last log lines land
            return "exited during start-up"
        if unit.healthy():
            return ""
        time.sleep(0.5)
    return f"did not become healthy within {timeout:.0f}s"


def _wait_healthy(unit: Unit, timeout: float) -> bool:
    """Poll until healthy; give up early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if unit.healthy():
            return True
        if unit.pid() is None:
            return False
        time.sleep(0.5)
    return False


def seed(profile: str, file: str | None = None) -> int:
    """Apply a seed profile (or file) through the venv's openstacksdk."""
    if not paths.CLOUDS_YAML.exists():
        print(f"ERROR: {paths.CLOUDS_YAML} is missing: run "
              "tools/minicloud/minicloud up first", file=sys.stderr)
        return 1
    cmd = [str(paths.VENV_PYTHON), "-m", "minicloud_seed"]
    cmd += ["--file", str(Path(file).resolve())] if file else [
        "--profile", profile]
    env = dict(os.environ, PYTHONPATH=str(paths.TOOL_DIR))
    try:
        # Concurrent seeds (parallel tests) would race on find-or-create.
        with _locked("seed.lock"):
            return subprocess.run(cmd, env=env, cwd=paths.TOOL_DIR,
                                  timeout=SEED_TIMEOUT).returncode
    except (SetupError, subprocess.TimeoutExpired) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1


def _unit(cloud_name: str, unit_name: str) -> Unit:
    for cloud in clouds():
        if cloud.name != cloud_name:
            continue
        for service in services.for_cloud(cloud):
            for unit in service.units():
                if unit.name == unit_name:
                    return unit
    raise SetupError(f"{cloud_name} has no unit {unit_name}")


def stop_unit(cloud_name: str, unit_name: str) -> int:
    """Stop one unit (SIGTERM, then SIGKILL), leaving the rest as is."""
    unit = _unit(cloud_name, unit_name)
    stopped = unit.stop()
    print(f"{cloud_name:<11} {unit_name:<18} "
          f"{'stopped' if stopped else 'was not running'}")
    return 0


def start_unit(cloud_name: str, unit_name: str) -> int:
    """Start one unit that is down, with its current configuration.

    Unlike ``up`` nothing is configured again (``up`` re-registers the
    service users, which revokes the tokens the running services hold).
    """
    unit = _unit(cloud_name, unit_name)
    if unit.pid() is None:
        unit.start()
    problem = _wait_started(unit, START_TIMEOUT)
    if problem:
        raise SetupError(f"{cloud_name}/{unit_name} {problem}; last lines "
                         f"of {unit.log_file}:\n" + unit.log_tail(40))
    print(f"{cloud_name:<11} {unit_name:<18} up (pid {unit.pid()})")
    return 0


def check_config() -> int:
    """Check each service's written config files against the options
    its release's code registers (``minicloud_lib.optcheck``)."""
    problems = 0
    for cloud in clouds():
        release = cloud.release_info
        for service in services.for_cloud(cloud):
            files = sorted(
                str(path) for pattern in ("*.conf", "*.ini")
                for path in service.state_dir.glob(pattern)
                if "paste" not in path.name)
            if not files:
                print(f"{cloud.name:<11} {service.name:<18} no config "
                      "written yet (run up)")
                continue
            print(f"{cloud.name:<11} {service.name:<18} {release.name}")
            done = subprocess.run(
                [str(release.venv_python), "-W", "ignore", "-m",
                 "minicloud_lib.optcheck", service.name, *files],
                env=dict(os.environ, PYTHONPATH=str(paths.TOOL_DIR)),
                capture_output=True, text=True, timeout=300)
            for line in done.stdout.splitlines():
                print(f"    {line}")
            problems += done.returncode != 0
    return 1 if problems else 0
