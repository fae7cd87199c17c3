#!/usr/bin/env python3
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

"""Benchmark: time to first render of the web UI's plan page.

Needs no cloud: runs ``pumphouse serve`` on embedded defaults in a
temporary state directory, registers two clouds whose Keystone does not
answer, writes a planned migration of ``--items`` plan items (default
2,000) straight into its database, then opens the plan page ``--runs``
times (default 5) in headless Chromium (``/usr/bin/chromium``, see
``tools/browser-setup.sh``) and prints, per run and as the median:

``first render``
    from the page asking the API for the plan to the graph drawn
    (collapsed by type), as the page measures it;
``navigation``
    from the navigation to the graph drawn, as the benchmark sees it;
``expand all``
    drawing every item of the plan in the graph.

::

    .tox/py3/bin/python tools/bench/ui_render.py
    .tox/py3/bin/python tools/bench/ui_render.py --items 5000 --runs 3
"""

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pumphouse.tests.functional import fixtures  # noqa: E402
from pumphouse.tests.functional.ui import seed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--items', type=int, default=2000)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--chromium', default='/usr/bin/chromium')
    args = parser.parse_args()
    from playwright.sync_api import expect  # noqa: PLC0415
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    workdir = pathlib.Path(tempfile.mkdtemp(prefix='ui-bench-'))
    dead = f'http://127.0.0.1:{fixtures.free_port()}'
    with fixtures.embedded_serve(workdir, environ={
            'http_proxy': dead, 'no_proxy': ''}) as (_process, url, env):
        for name in ('old', 'new'):
            requests.post(url + '/v1/clouds', timeout=30, json={
                'name': name, 'auth': {
                    'auth_url': f'{dead}/v3', 'username': 'admin',
                    'password': 'bench', 'project_name': 'admin',
                    'user_domain_name': 'Default',
                    'project_domain_name': 'Default'}}).raise_for_status()
        database = (pathlib.Path(env['XDG_STATE_HOME']) / 'pumphouse'
                    / 'pumphouse.sqlite')
        uuid = seed.seed(str(database), 'old', 'new',
                         count=args.items)['planned']
        first, whole, expanded = [], [], []
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=args.chromium, headless=True,
                args=['--no-sandbox', '--disable-gpu'])
            for run in range(args.runs):
                page = browser.new_page(viewport={'width': 1280,
                                                  'height': 800})
                started = time.monotonic()
                page.goto(f'{url}/ui/#/migrations/{uuid}')
                panel = page.locator('.graph-panel[data-first-render-ms]')
                panel.wait_for(timeout=60000)
                whole.append((time.monotonic() - started) * 1000)
                first.append(int(panel.get_attribute(
                    'data-first-render-ms')))
                page.get_by_role('button', name='Expand all').click()
                expect(panel).to_have_attribute('data-nodes',
                                                str(args.items),
                                                timeout=60000)
                expanded.append(int(panel.get_attribute('data-draw-ms')))
                print(f'run {run + 1}: first render {first[-1]} ms, '
                      f'navigation {whole[-1]:.0f} ms, expand all '
                      f'{expanded[-1]} ms')
                page.close()
            browser.close()
    print(f'plan of {args.items} items, median of {args.runs} runs: '
          f'time to first render {statistics.median(first):.0f} ms '
          f'(navigation to graph {statistics.median(whole):.0f} ms; '
          f'every item drawn {statistics.median(expanded):.0f} ms)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
