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

"""A service process and its signals, for real: SIGHUP reloads the
configuration files, SIGTERM stops it; Guru Meditation Reports on their
file trigger and on SIGUSR2.

Each test runs :func:`pumphouse.common.service.run` in a child Python
process (a second or two) with a service that prints the options it
sees.
"""

import collections
import os
import pathlib
import select
import signal
import subprocess
import sys
import textwrap
import time

import fixtures
import testtools

PROBE = textwrap.dedent('''
    import sys, threading, time
    from pumphouse.common import service
    from pumphouse.conf import CONF

    class Probe:
        def start(self):
            def watch():
                seen = None
                while True:
                    now = (CONF.debug, CONF.conductor.rpc_timeout,
                           CONF.conductor.workers)
                    if now != seen:
                        print('VALUES', *now, flush=True)
                        seen = now
                    time.sleep(0.05)
            threading.Thread(target=watch, daemon=True).start()

        def stop(self):
            print('STOPPED', flush=True)

    service.prepare_service(['probe', '--config-file', sys.argv[1]],
                            init_rpc=False, key_file=False)
    if len(sys.argv) > 2:
        service.setup_reports('probe', signals=sys.argv[2] == 'signal')
    sys.exit(service.run([Probe()]))
''')


class ServiceProcessTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        self.conf = self.tmp / 'pumphouse.conf'
        #: Every line the process printed (oslo.log logs to stdout).
        self.output: list[str] = []
        self._readers: dict[int, _Lines] = {}

    def write_conf(self, text: str) -> None:
        self.conf.write_text(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                             + textwrap.dedent(text))

    def start(self, *args: str) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(pathlib.Path(__file__).resolve().parents[4])]
            + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
               if p]))
        process = subprocess.Popen(
            [sys.executable, '-c', PROBE, str(self.conf), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        self.addCleanup(self._end, process)
        return process

    def _end(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)

    def read_until(self, process: subprocess.Popen, wanted: str,
                   timeout: float = 30) -> list[str]:
        """stdout lines up to the one that starts with ``wanted``."""
        reader = self._readers.setdefault(process.pid,
                                          _Lines(process.stdout))
        lines, deadline = [], time.monotonic() + timeout
        while True:
            line = reader.next(deadline)
            if line is None:
                break
            lines.append(line)
            self.output.append(line)
            if line.startswith(wanted):
                return lines
        self.fail(f'no {wanted!r} in {lines}; stderr: '
                  f'{process.stderr.read() if process.poll() else ""}')

    def stop(self, process: subprocess.Popen) -> str:
        """Stop it; everything it printed."""
        process.send_signal(signal.SIGTERM)
        self.read_until(process, 'STOPPED')
        out, err = process.communicate(timeout=30)
        taken = self._readers[process.pid].rest()
        return '\n'.join(self.output) + taken + out + err


class _Lines:
    """A child's stdout, line by line as it comes.

    ``select`` sees only what the pipe holds: a buffered ``readline``
    would keep the lines that arrived with the one it returns (a log
    line and the probe's next line, printed within a millisecond) where
    ``select`` never reports them. Every byte is taken at once here and
    split into lines.
    """

    def __init__(self, stream) -> None:
        self.fd = stream.fileno()
        self.partial = b''
        self.ready: collections.deque[bytes] = collections.deque()
        self.closed = False

    def next(self, deadline: float) -> str | None:
        """The next line; None at the end of the output or the
        deadline."""
        while not self.ready:
            left = deadline - time.monotonic()
            if self.closed or left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if not ready:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.closed = True
                if self.partial:
                    self.ready.append(self.partial)
                    self.partial = b''
                continue
            *done, self.partial = (self.partial + chunk).split(b'\n')
            self.ready.extend(done)
        return self.ready.popleft().decode(errors='replace').strip()

    def rest(self) -> str:
        """What was read and not taken as a line yet."""
        taken = b'\n'.join([*self.ready, self.partial])
        self.ready.clear()
        self.partial = b''
        return taken.decode(errors='replace')


class TestSighup(ServiceProcessTestCase):

    def test_mutable_options_change_the_others_wait(self):
        self.write_conf('[conductor]\nrpc_timeout = 120\nworkers = 4\n')
        process = self.start()
        self.read_until(process, 'VALUES False 120 4')
        self.write_conf('''
            [DEFAULT]
            debug = true
            [conductor]
            rpc_timeout = 7
            workers = 9
        ''')
        process.send_signal(signal.SIGHUP)
        self.read_until(process, 'VALUES True 7 4')
        err = self.stop(process)
        self.assertIn('Option conductor.rpc_timeout changed from [120] to '
                      '[7]', err)
        self.assertIn('Ignoring change to immutable option '
                      'conductor.workers', err)

    def test_unreadable_file_leaves_the_configuration(self):
        self.write_conf('[conductor]\nrpc_timeout = 120\n')
        process = self.start()
        self.read_until(process, 'VALUES False 120')
        self.conf.write_text('[conductor\nrpc_timeout = 7\n')
        process.send_signal(signal.SIGHUP)
        time.sleep(2)
        self.write_conf('[conductor]\nrpc_timeout = 8\n')
        process.send_signal(signal.SIGHUP)
        lines = self.read_until(process, 'VALUES False 8')
        self.assertNotIn('VALUES False 7 4', lines)
        err = self.stop(process)
        self.assertIn('Could not reload the configuration, which stays as '
                      'it was', err)


class TestGuruMeditation(ServiceProcessTestCase):

    def reports(self) -> list[pathlib.Path]:
        return sorted((self.tmp / 'reports').glob('probe_gurumeditation_*'))

    def wait_for_report(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.reports():
            time.sleep(0.1)
        [report] = self.reports()
        return report.read_text()

    def test_report_on_the_file_trigger(self):
        trigger = self.tmp / 'gmr-trigger'
        trigger.write_text('')
        (self.tmp / 'reports').mkdir()
        self.write_conf(f'''
            [oslo_reports]
            file_event_handler = {trigger}
            file_event_handler_interval = 1
            log_dir = {self.tmp}/reports
            [database]
            connection = sqlite:////nowhere/s3cret-in-the-url.sqlite
        ''')
        process = self.start('file')
        self.read_until(process, 'VALUES')
        self.assertEqual([], self.reports())
        later = time.time() + 5
        os.utime(trigger, (later, later))
        report = self.wait_for_report()
        self.stop(process)
        for section in ('Package', 'Threads', 'Configuration'):
            self.assertIn(section, report)
        self.assertIn('Pumphouse', report)
        # Secret options are masked.
        self.assertNotIn('s3cret-in-the-url', report)
        self.assertIn('connection = ***', report)

    def test_report_on_sigusr2(self):
        (self.tmp / 'reports').mkdir()
        self.write_conf(f'[oslo_reports]\nlog_dir = {self.tmp}/reports\n')
        process = self.start('signal')
        self.read_until(process, 'VALUES')
        process.send_signal(signal.SIGUSR2)
        report = self.wait_for_report()
        self.stop(process)
        self.assertIn('Threads', report)
