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

"""The web UI in headless Chromium against the deployed service
(pumphouse-api behind keystonemiddleware, two conductors, MariaDB,
RabbitMQ) and the harness clouds (``tools/minicloud``).

An administrator signs in through the UI, registers the harness clouds,
validates one, browses the source, plans project ``demo`` from the
source browser, looks at the graph, overrides the failed pre-checks,
starts, watches progress reach ``completed`` and opens the report. A
``member`` of demo signs in and sees only demo's migrations; a
``reader`` of demo sees them too, but the start button is refused by the
API (and the API refuses the same request made directly). Screenshots
of each page at 1280×800 and 390×844 go where
:func:`conftest.artifacts` says.
"""

import re
import uuid

import pytest
import requests

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional.test_demo_acceptance import cleared  # noqa: F401
from pumphouse.tests.functional.test_rbac_matrix import Keystone
from pumphouse.tests.functional.ui import conftest

try:
    from playwright.sync_api import expect
except ImportError:  # the browsers fixture skips, or fails in CI
    expect = None

#: How long the demo migration may take, plan and apply.
PLAN_TIMEOUT_MS = 300_000
RUN_TIMEOUT_MS = 1_200_000


@pytest.fixture(scope='module')
def service(tmp_path_factory):
    """The deployed service; the UI signs in at the source's Keystone
    (``[keystone_authtoken] www_authenticate_uri``)."""
    workdir = tmp_path_factory.mktemp('ui-harness')
    with fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployed = deployment_mod.Deployment(workdir, db_url, transport_url)
        deployed.start()
        try:
            yield deployed
        finally:
            deployed.stop()


@pytest.fixture(scope='module')
def personas():
    """A member and a reader of project demo (the ``full`` seed's), made
    in the source Keystone and removed afterwards: name, password."""
    keystone = Keystone()
    conn = keystone.conn
    demo = conn.identity.find_project('demo', domain_id='default')
    made = {}
    try:
        for role in ('member', 'reader'):
            password = uuid.uuid4().hex
            user = conn.identity.create_user(
                name=f'ui-{role}-{keystone.tag}', domain_id='default',
                password=password)
            keystone.made.append(('user', user))
            conn.identity.assign_project_role_to_user(
                demo, user, conn.identity.find_role(role))
            made[role] = (user.name, password)
        yield made
    finally:
        keystone.clean()


def sign_in(page, service, username: str, password: str,
            project: str) -> None:
    page.goto(f'{service.url}/ui/')
    page.get_by_role('heading', name='Sign in').wait_for()
    page.get_by_label('User name').fill(username)
    page.get_by_label('Password').fill(password)
    page.get_by_label('Project', exact=True).fill(project)
    page.get_by_role('button', name='Sign in').click()
    page.get_by_role('heading', level=1, name='Migrations').wait_for()
    # Only the token is kept, in this tab's session storage.
    stored = page.evaluate("JSON.stringify(sessionStorage)")
    assert password not in stored
    assert page.evaluate('localStorage.length') == 0


def shoot(page, artifacts, name: str) -> None:
    for width, height in conftest.SIZES.values():
        page.set_viewport_size({'width': width, 'height': height})
        page.screenshot(path=str(artifacts / f'harness-{name}-'
                                             f'{width}x{height}.png'),
                        full_page=True)
    page.set_viewport_size({'width': 1280, 'height': 800})


def test_admin_takes_demo_from_plan_to_report(page, service, artifacts,
                                              cleared):  # noqa: F811
    admin = service.admin_auth
    sign_in(page, service, admin['username'], admin['password'],
            admin['project_name'])
    assert 'admin' in page.locator('#session').inner_text()
    assert page.locator('.banner-noauth').count() == 0

    # Clouds: register the harness's entries, validate the source.
    page.get_by_role('navigation', name='Main').get_by_role(
        'link', name='Clouds', exact=True).click()
    form = page.locator('form', has=page.get_by_role(
        'heading', name='Register a cloud'))
    for name in ('source', 'destination'):
        form.get_by_label('Name', exact=True).fill(name)
        form.get_by_label('clouds.yaml entry').fill(name)
        form.get_by_role('button', name='Register').click()
        expect(page.locator('table', has_text=name).first).to_be_visible()
    page.get_by_role('row', name=re.compile(r'^source ')).get_by_role(
        'button', name='Validate').click()
    services = page.locator('table', has_text='Services and API versions')
    expect(services).to_contain_text('identity', timeout=120_000)
    shoot(page, artifacts, 'clouds')

    # Source browser: demo is there; migrate it from here.
    page.goto(f'{service.url}/ui/#/source/source')
    row = page.get_by_role('row', name=re.compile(r'^demo '))
    expect(row).to_be_visible(timeout=120_000)
    shoot(page, artifacts, 'source-browser')
    page.get_by_role('combobox', name='Show').select_option('hosts')
    expect(page.locator('table', has_text='Compute hosts')).to_be_visible(
        timeout=120_000)
    page.get_by_role('combobox', name='Show').select_option('projects')
    page.get_by_role('link', name='Migrate project demo', exact=True).click()

    # New migration, prefilled by the source browser.
    page.get_by_role('heading', level=1, name='New migration').wait_for()
    assert page.get_by_label('Names').input_value() == 'demo'
    page.get_by_label('Destination cloud').select_option('destination')
    page.get_by_label('Name of the migration').fill('ui-demo')
    shoot(page, artifacts, 'new-migration')
    page.get_by_role('button', name='Plan the migration').click()

    # Plan: wait for planned; the graph, overrides, start.
    heading = page.get_by_role('heading', level=1, name='Plan: ui-demo')
    heading.wait_for()
    expect(page.locator('.graph-panel[data-first-render-ms]')).to_be_attached(
        timeout=PLAN_TIMEOUT_MS)
    migration = page.url.rsplit('/', 1)[-1]
    assert 'create' in page.locator('.action-counts').inner_text()
    page.get_by_role('button', name='Expand all').click()
    shoot(page, artifacts, 'plan')
    for button in page.get_by_role(
            'button', name=re.compile(r'^Override ')).all():
        button.click()
        assert button.get_attribute('aria-pressed') == 'true'
    page.get_by_role('button', name='Start migration').click()
    page.get_by_role('dialog').get_by_role('button', name='Start').click()

    # Progress, live, to completed; then the report.
    page.get_by_role('heading', level=1,
                     name=re.compile('^Progress')).wait_for()
    expect(page.locator('.summary')).to_contain_text('running',
                                                     timeout=60_000)
    shoot(page, artifacts, 'progress-running')
    expect(page.locator('.summary')).to_contain_text(
        'completed', timeout=RUN_TIMEOUT_MS)
    shoot(page, artifacts, 'progress-completed')
    page.get_by_role('link', name='Open the report').click()
    page.get_by_role('heading', level=1, name='Report').wait_for()
    expect(page.locator('main')).to_contain_text('resources checked')
    shoot(page, artifacts, 'report')

    # Mappings of what moved.
    page.goto(f'{service.url}/ui/#/mappings?type=identity.project')
    expect(page.locator('main table')).to_contain_text('identity.project')
    shoot(page, artifacts, 'mappings')
    page.goto(f'{service.url}/ui/#/hosts')
    page.get_by_role('heading', level=1, name='Hosts').wait_for()
    shoot(page, artifacts, 'hosts')
    assert page.problems == []
    service.ui_migration = migration


def _other_project_migration(service) -> str:
    """A migration of the admin project, which demo's users must not
    see (made through the API as the administrator)."""
    admin = service.client()
    response = admin.request('POST', '/v1/migrations', json={
        'name': 'ui-admin-only', 'source': 'source',
        'destination': 'destination',
        'workload': {'kind': 'project', 'names': ['admin']}})
    assert response.status_code == 202, response.text
    return response.json()['uuid']


def test_member_sees_only_demo_s_migrations(chromium, service, personas,
                                            artifacts):
    hidden = _other_project_migration(service)
    context = chromium.new_context(viewport={'width': 1280, 'height': 800})
    page = context.new_page()
    try:
        name, password = personas['member']
        sign_in(page, service, name, password, 'demo')
        # A member plans demo: the clouds are typed (it may not list them).
        page.goto(f'{service.url}/ui/#/new?kind=project&names=demo')
        page.get_by_label('Source cloud').fill('source')
        page.get_by_label('Destination cloud').fill('destination')
        page.get_by_label('Name of the migration').fill('ui-member-demo')
        page.get_by_role('button', name='Plan the migration').click()
        page.get_by_role('heading', level=1,
                         name='Plan: ui-member-demo').wait_for()
        member_migration = page.url.rsplit('/', 1)[-1]
        page.goto(f'{service.url}/ui/#/migrations')
        listed = page.locator('main table')
        expect(listed).to_contain_text('ui-member-demo')
        assert 'ui-admin-only' not in listed.inner_text()
        # Clouds are the administrator's: the API's refusal is shown.
        page.goto(f'{service.url}/ui/#/clouds')
        expect(page.locator('main .error')).to_be_visible()
        page.goto(f'{service.url}/ui/#/migrations/{hidden}')
        expect(page.locator('main .error')).to_contain_text(
            'could not be found', ignore_case=True)
        shoot(page, artifacts, 'member-migrations')
        service.member_migration = member_migration
    finally:
        context.close()


def test_reader_reads_but_cannot_start(chromium, service, personas,
                                       artifacts):
    migration = getattr(service, 'member_migration', None)
    if migration is None:
        pytest.skip('needs the member test\'s migration')
    context = chromium.new_context(viewport={'width': 1280, 'height': 800})
    page = context.new_page()
    try:
        name, password = personas['reader']
        sign_in(page, service, name, password, 'demo')
        expect(page.locator('main table')).to_contain_text('ui-member-demo')
        page.goto(f'{service.url}/ui/#/migrations/{migration}')
        start = page.get_by_role('button', name='Start migration')
        expect(start).to_be_visible(timeout=PLAN_TIMEOUT_MS)
        start.click()
        page.get_by_role('dialog').get_by_role('button',
                                               name='Start').click()
        refusal = page.locator('main form .form-error, main form '
                               '.field-error').first
        expect(refusal).to_contain_text('Policy', ignore_case=True)
        assert f'#/migrations/{migration}' in page.url  # stayed there
        shoot(page, artifacts, 'reader-refused')
        # The API refuses the same request made directly with the token.
        token = page.evaluate(
            "JSON.parse(sessionStorage.getItem('pumphouse.session')).token")
        response = requests.put(
            f'{service.url}/v1/migrations/{migration}/state',
            json={'target': 'running'}, timeout=60,
            headers={'X-Auth-Token': token})
        assert response.status_code == 403, response.text
        state = service.client().request(
            'GET', f'/v1/migrations/{migration}').json()['state']
        assert state != 'running'
    finally:
        context.close()
