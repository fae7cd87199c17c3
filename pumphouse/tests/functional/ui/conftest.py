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

"""Fixtures of the web UI's browser tests: Debian's Chromium driven by
playwright (``executable_path``: no browser is downloaded), a
``pumphouse serve`` with clouds and seeded migrations, and where the
screenshots go.

Outside CI a missing Chromium or playwright skips these tests and says
how to install them (``tools/browser-setup.sh``); in CI (``CI`` set) it
fails them.
"""

import os
import pathlib
import shutil

import pytest
import requests

from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional.ui import seed

CHROMIUM = os.environ.get('PUMPHOUSE_TEST_CHROMIUM', '/usr/bin/chromium')
SIZES = {'desktop': (1280, 800), 'phone': (390, 844)}


def _missing(why: str):
    if os.environ.get('CI'):
        pytest.fail(f'{why} (CI must run the browser tests)')
    pytest.skip(f'{why}: run tools/browser-setup.sh and install '
                'test-requirements.txt')


@pytest.fixture(scope='session')
def chromium():
    """A headless Chromium, shared by the tests of a run."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        _missing('the playwright package is not installed')
    if not (shutil.which(CHROMIUM) or pathlib.Path(CHROMIUM).exists()):
        _missing(f'{CHROMIUM} is not installed')
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=['--no-sandbox', '--disable-gpu',
                  '--disable-dev-shm-usage'])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope='session')
def artifacts(tmp_path_factory) -> pathlib.Path:
    """Where screenshots go: ``PUMPHOUSE_TEST_ARTIFACTS``, else a folder of
    the run's temporary directory (printed)."""
    chosen = os.environ.get('PUMPHOUSE_TEST_ARTIFACTS')
    path = (pathlib.Path(chosen) if chosen
            else tmp_path_factory.getbasetemp() / 'ui-artifacts')
    path.mkdir(parents=True, exist_ok=True)
    print(f'\nweb UI screenshots: {path}')
    return path


class Served:
    """A ``pumphouse serve`` for the UI tests and what was put in it."""

    def __init__(self, url: str, database: pathlib.Path,
                 migrations: dict) -> None:
        self.url = url
        self.database = database
        self.migrations = migrations

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.url + path,
                                timeout=kwargs.pop('timeout', 30), **kwargs)


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    """``pumphouse serve`` on embedded defaults (noauth) with two clouds
    whose Keystone does not answer and four seeded migrations; no request
    leaves this machine."""
    workdir = tmp_path_factory.mktemp('ui-serve')
    dead = fixtures.free_port()
    nowhere = f'http://127.0.0.1:{dead}'
    proxies = {'http_proxy': nowhere, 'https_proxy': nowhere,
               'HTTP_PROXY': nowhere, 'HTTPS_PROXY': nowhere,
               'no_proxy': '', 'NO_PROXY': ''}
    with fixtures.embedded_serve(
            workdir, environ=proxies,
            clouds__validation_timeout='3',
            clouds__api_timeout='3') as (_process, url, env):
        for name in ('old', 'new'):
            response = requests.post(url + '/v1/clouds', timeout=30, json={
                'name': name, 'description': f'the {name} cloud',
                'auth': {'auth_url': f'{nowhere}/v3', 'username': 'admin',
                         'password': 'not-a-real-secret',
                         'user_domain_name': 'Default',
                         'project_name': 'admin',
                         'project_domain_name': 'Default'}})
            assert response.status_code == 201, response.text
        database = (pathlib.Path(env['XDG_STATE_HOME']) / 'pumphouse'
                    / 'pumphouse.sqlite')
        made = seed.seed(str(database), 'old', 'new')
        yield Served(url, database, made)


@pytest.fixture
def page(chromium, request):
    """A page of its own (1280×800) whose console errors, page errors and
    Content-Security-Policy violations are in ``page.problems``."""
    context = chromium.new_context(viewport={'width': 1280, 'height': 800})
    page = context.new_page()
    problems = []
    page.problems = problems
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + "
        "e.blockedURI));")

    def on_console(message):
        # A failed API call is shown to the user; the browser also logs
        # it ("Failed to load resource"): not a problem of the page.
        if message.type == 'error' and \
                not message.text.startswith('Failed to load resource'):
            problems.append(message.text)

    page.on('console', on_console)
    page.on('pageerror', lambda error: problems.append(str(error)))
    try:
        yield page
    finally:
        context.close()
