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

"""Throughput and memory of the functional tests' fault proxy.

Needs no cloud: a local upstream (the unit tests' one) on 127.0.0.1, the
proxy in a process of its own (``python -m
pumphouse.tests.functional.faultproxy``, no faults), and a requests
client. For each way (upload with Content-Length, chunked upload,
download with Content-Length, chunked download) it moves ``--size``
bytes directly and through the proxy, ``--runs`` times, and prints the
median rate of each and the proxy process's peak resident memory
(``VmHWM``) before and after::

    python tools/bench/faultproxy_throughput.py --size 64
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from pumphouse.tests.unit.fault_injection import upstream as up  # noqa

MiB = 1024 * 1024


def _vm_hwm(pid):
    with open(f'/proc/{pid}/status') as f:
        return int(re.search(r'VmHWM:\s+(\d+) kB', f.read())[1]) * 1024


def _ways(size):
    def upload(base, s, chunked):
        body = up.generate(size) if chunked else up.Sized(size)
        assert s.put(f'{base}/upload', data=body,
                     timeout=300).json()['size'] == size

    def download(base, s, chunked):
        with s.get(f'{base}/download', timeout=300, stream=True,
                   params={'size': size, 'chunked': int(chunked)}) as r:
            assert sum(len(d) for d in r.iter_content(up.CHUNK)) == size

    return {'upload, Content-Length': lambda b, s: upload(b, s, False),
            'upload, chunked': lambda b, s: upload(b, s, True),
            'download, Content-Length': lambda b, s: download(b, s, False),
            'download, chunked': lambda b, s: download(b, s, True)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=64, help='MiB')
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    size = args.size * MiB
    with up.Upstream() as server:
        proxy = subprocess.Popen(
            [sys.executable, '-m', 'pumphouse.tests.functional.faultproxy',
             '--upstream', f'api={server.url}', '--rate', '0',
             '--seed', '1'], cwd=REPO, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
            env=dict(os.environ, PYTHONPATH=REPO))
        try:
            base = re.match(r'api: (\S+) -> ', proxy.stdout.readline())[1]
            with requests.Session() as s:
                s.get(f'{base}/warm-up', timeout=10).raise_for_status()
                before = _vm_hwm(proxy.pid)
                print(f'{args.size} MiB, median of {args.runs} runs '
                      '(MiB/s)')
                print(f'{"":26} {"direct":>8} {"proxy":>8}')
                for name, way in _ways(size).items():
                    rates = {}
                    for label, url in (('direct', server.url),
                                       ('proxy', base)):
                        times = []
                        for _ in range(args.runs):
                            start = time.monotonic()
                            way(url, s)
                            times.append(time.monotonic() - start)
                        rates[label] = args.size / statistics.median(times)
                    print(f'{name:26} {rates["direct"]:8.0f} '
                          f'{rates["proxy"]:8.0f}')
                after = _vm_hwm(proxy.pid)
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
    print(f'proxy process VmHWM: {before / MiB:.1f} MiB after start-up, '
          f'{after / MiB:.1f} MiB after all transfers')


if __name__ == '__main__':
    main()
