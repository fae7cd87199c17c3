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

"""Fixtures of the web UI's browser tests: Debian's Chromium and Firefox
ESR driven by playwright (``executable_path``: no browser is
downloaded), a ``pumphouse serve`` with clouds and seeded migrations,
and where the screenshots go.

Chromium is driven over CDP; Firefox over WebDriver BiDi, which stock
Firefox speaks (playwright's ``moz-firefox`` channel), not through
playwright's own patched Firefox build. A test runs in Chromium unless
its module parametrises ``browser_name`` (``BROWSERS``), as
``test_ui_serve`` does.

Outside CI a missing browser or playwright skips these tests and says
how to install them (``tools/browser-setup.sh``); in CI (``CI`` set) it
fails them.
"""

import base64
import hashlib
import os
import pathlib
import shutil
from importlib import metadata

import pytest
import requests

from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional.ui import seed

#: The browsers and their executables (Debian's packages chromium and
#: firefox-esr).
BROWSERS = {
    'chromium': os.environ.get('PUMPHOUSE_TEST_CHROMIUM', '/usr/bin/chromium'),
    'firefox': os.environ.get('PUMPHOUSE_TEST_FIREFOX',
                              '/usr/bin/firefox-esr'),
}
SIZES = {'desktop': (1280, 800), 'phone': (390, 844)}


def _missing(why: str):
    if os.environ.get('CI'):
        pytest.fail(f'{why} (CI must run the browser tests)')
    pytest.skip(f'{why}: run tools/browser-setup.sh and install '
                'test-requirements.txt')


def _launch(driver, name: str):
    executable = BROWSERS[name]
    if not (shutil.which(executable) or pathlib.Path(executable).exists()):
        _missing(f'{executable} is not installed')
    if name == 'firefox':
        # WebDriver BiDi: the stock Firefox's own remote protocol.
        browser = driver.firefox.launch(
            channel='moz-firefox', executable_path=executable,
            headless=True)
        _check_bidi(browser)
        return browser
    return driver.chromium.launch(
        executable_path=executable, headless=True,
        args=['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'])


def _check_bidi(browser) -> None:
    """Fails (skips outside CI) with the reason when this playwright sends
    this Firefox a WebDriver BiDi command that it does not implement when
    it opens a context: playwright 1.65 sends
    ``emulation.setMediaFeaturesOverride``, which Firefox ESR 153 lacks,
    hence ``playwright<1.65`` in test-requirements.txt."""
    from playwright.sync_api import Error  # noqa: PLC0415
    try:
        browser.new_context().close()
    except Error as error:
        version = browser.version
        browser.close()
        if 'unknown command' not in str(error):
            raise
        _missing(f'playwright {metadata.version("playwright")} cannot '
                 f'drive Firefox {version}: {str(error).splitlines()[0]}')


@pytest.fixture(scope='session')
def browsers():
    """Launches a headless browser by name, once a run (on first use),
    and closes them all at the end."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        _missing('the playwright package is not installed')
    launched = {}

    def launch(name: str):
        if name not in launched:
            launched[name] = _launch(driver, name)
        return launched[name]

    with sync_playwright() as driver:
        try:
            yield launch
        finally:
            for browser in launched.values():
                browser.close()


@pytest.fixture(scope='module')
def browser_name(request) -> str:
    """``chromium``, or the browser a module parametrises it with
    (``pytest.mark.parametrize('browser_name', ..., indirect=True)``)."""
    return getattr(request, 'param', 'chromium')


@pytest.fixture(scope='module')
def browser(browsers, browser_name):
    """The headless browser of ``browser_name``."""
    return browsers(browser_name)


@pytest.fixture(scope='session')
def chromium(browsers):
    """A headless Chromium, shared by the tests of a run."""
    return browsers('chromium')


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
    leaves this machine, and none is retried: a plan made in a test fails
    at once instead of after ~15 s, and so does the running migration of
    ``test_progress_is_live`` once a conductor takes it over (its owner
    stops heart-beating), instead of holding up the server's stop for
    the 30 s it is given."""
    workdir = tmp_path_factory.mktemp('ui-serve')
    dead = fixtures.free_port()
    nowhere = f'http://127.0.0.1:{dead}'
    proxies = {'http_proxy': nowhere, 'https_proxy': nowhere,
               'HTTP_PROXY': nowhere, 'HTTPS_PROXY': nowhere,
               'no_proxy': '', 'NO_PROXY': ''}
    with fixtures.embedded_serve(
            workdir, environ=proxies,
            clouds__validation_timeout='3',
            clouds__api_timeout='3',
            clouds__api_retries='0',
            conductor__item_retries='0') as (_process, url, env):
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


#: The CSP hash of the ``<style>body {}</style>`` that playwright puts in
#: a page for a screenshot (to restart its animations): the UI's CSP
#: refuses it, and Firefox reports that as an error of the page.
SCREENSHOT_STYLE_HASH = base64.b64encode(
    hashlib.sha256(b'body {}').digest()).decode()


def watch(page) -> list:
    """The list that ``page``'s console errors and uncaught errors go to,
    but for two that are no problem of the page: Chromium's log of a
    failed API call ("Failed to load resource"; the page shows it to the
    user), and Firefox's report of the refused style of playwright's
    screenshots."""
    problems = []

    def add(text: str) -> None:
        if not (text.startswith('Failed to load resource')
                or SCREENSHOT_STYLE_HASH in text):
            problems.append(text)

    page.on('console',
            lambda message: add(message.text)
            if message.type == 'error' else None)
    page.on('pageerror', lambda error: add(str(error)))
    return problems


#: Keeps what the page hands ``fetch()`` to send (URL, method, body) in
#: ``window.__sentBodies``: playwright's WebDriver BiDi driver (Firefox's)
#: gives no request body (``request.post_data`` is None).
RECORD_FETCH_BODIES = """
(() => {
  const sent = [];
  const fetch = window.fetch;
  window.fetch = function (resource, options) {
    if (options && typeof options.body === 'string') {
      sent.push([new URL(String(resource), location.href).href,
                 (options.method || 'GET').toUpperCase(), options.body]);
    }
    return fetch.apply(this, arguments);
  };
  Object.defineProperty(window, '__sentBodies', {value: sent});
})();
"""


def request_body(page, response) -> str:
    """The body of ``response``'s request: as the browser sent it where
    the driver says (Chromium), else as the page gave it to ``fetch()``
    (the last body for that URL and method; ``RECORD_FETCH_BODIES``)."""
    request = response.request
    if request.post_data is not None:
        return request.post_data
    recorded = page.evaluate('window.__sentBodies || []')
    for url, method, body in reversed(recorded):
        if (url, method) == (request.url, request.method):
            return body
    raise AssertionError(f'no body of {request.method} {request.url}')


@pytest.fixture
def page(browser, browser_name, request):
    """A page of its own (1280×800) whose console errors, page errors and
    Content-Security-Policy violations are in ``page.problems``."""
    context = browser.new_context(viewport={'width': 1280, 'height': 800})
    page = context.new_page()
    page.problems = watch(page)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + "
        "e.blockedURI));")
    if browser_name == 'firefox':
        page.add_init_script(RECORD_FETCH_BODIES)
    try:
        yield page
    finally:
        context.close()
