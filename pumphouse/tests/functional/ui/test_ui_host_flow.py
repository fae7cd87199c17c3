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

"""A host from ``in_source`` to ``evacuated`` with only a browser
(issue 17), against the deployed service (pumphouse-api behind
keystonemiddleware, two conductors, MariaDB, RabbitMQ; the ``service``
fixture of :mod:`test_ui_harness`) and the harness clouds
(``tools/minicloud``).

The administrator signs in, registers the harness clouds on the Clouds
page, finds the source's spare compute host (``source-compute-3``, see
:mod:`pumphouse.tests.functional.test_hosts`) in the source browser,
registers it from there with the Hosts page's form (the ``fake`` power
driver and the ``manual`` provision driver: an evacuation uses neither,
and no BMC is involved), evacuates it from its page through the
confirmation dialog while the operations log fills in live, sees its
server moved to another source host, and enables it again. Screenshots
at 1280×800 and 390×844 go where :func:`conftest.artifacts` says
(``harness-host-*.png``).

Whatever happens, the host is put back in the source's scheduling as it
was and forgotten, and the ``spare`` fixture deletes the server and
disables the spare host again: the test runs again on a harness that has
run it before.
"""

import re

from pumphouse.hosts import nova
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional.test_hosts import OTHERS
from pumphouse.tests.functional.test_hosts import SPARE
from pumphouse.tests.functional.test_hosts import source  # noqa: F401
from pumphouse.tests.functional.test_hosts import spare  # noqa: F401
from pumphouse.tests.functional.test_hosts import spare_service
from pumphouse.tests.functional.ui.test_ui_harness import service  # noqa: F401
from pumphouse.tests.functional.ui.test_ui_harness import shoot
from pumphouse.tests.functional.ui.test_ui_harness import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browsers fixture skips, or fails in CI
    expect = None

V11 = {'OpenStack-API-Version': 'migration 1.1'}
#: Reading the source's compute hosts through a conductor.
READ_TIMEOUT_MS = 120_000
#: Disabling the host and live-migrating its server (``pumphouse host
#: evacuate`` is given 900 s in test_hosts).
EVACUATE_TIMEOUT_MS = 900_000
#: Putting it back in the source's scheduling.
ENABLE_TIMEOUT_MS = 300_000


def register_clouds(page, service) -> None:  # noqa: F811
    """The harness's clouds.yaml entries, registered on the Clouds page
    (as :func:`test_ui_harness.test_admin_takes_demo_from_plan_to_report`
    does)."""
    page.goto(f'{service.url}/ui/#/clouds')
    form = page.locator('form', has=page.get_by_role(
        'heading', name='Register a cloud'))
    for name in ('source', 'destination'):
        form.get_by_label('Name', exact=True).fill(name)
        form.get_by_label('clouds.yaml entry').fill(name)
        form.get_by_role('button', name='Register').click()
        expect(page.get_by_role('row', name=re.compile(
            rf'^{name} '))).to_be_visible()


def confirm(page, action: str) -> None:
    """Click ``action`` on the host's page and confirm it by name."""
    page.get_by_role('main').get_by_role('button', name=action,
                                         exact=True).click()
    dialog = page.get_by_role('dialog')
    expect(dialog).to_contain_text(f'{action} host {SPARE}?')
    dialog.get_by_role('button', name=f'{action} {SPARE}',
                       exact=True).click()
    expect(dialog).to_have_count(0)


def current_step(page):
    return page.locator('main ol.steps li[aria-current="step"]')


def put_back(admin) -> None:
    """The host in the source's scheduling again, then forgotten (a run
    stopped half-way leaves it anywhere)."""
    def shown():
        response = admin.request('GET', f'/v1/hosts/{SPARE}', headers=V11)
        return response.json() if response.status_code == 200 else None

    host = shown()
    if host is None:
        return
    # Whatever a conductor is doing to it ends first.
    fixtures.wait_until(lambda: (shown() or {}).get('target') is None,
                        timeout=EVACUATE_TIMEOUT_MS / 1000, interval=2)
    host = shown()
    if host['state'] != 'in_source':
        response = admin.request('PUT', f'/v1/hosts/{host["uuid"]}/state',
                                 headers=V11, json={'target': 'in_source'})
        assert response.status_code == 202, response.text
        assert fixtures.wait_until(
            lambda: (shown() or {}).get('target') is None,
            timeout=ENABLE_TIMEOUT_MS / 1000, interval=2), shown()
    response = admin.request('DELETE', f'/v1/hosts/{host["uuid"]}',
                             headers=V11, params={'force': 'true'})
    assert response.status_code == 204, response.text


def test_admin_registers_and_evacuates_a_host_in_the_browser(
        page, service, artifacts, source, spare):  # noqa: F811
    server = spare()
    # As a host in use is: enabling it again at the end puts it back so.
    spare.set_enabled(True)
    admin_auth = service.admin_auth
    sign_in(page, service, admin_auth['username'], admin_auth['password'],
            admin_auth['project_name'])
    register_clouds(page, service)
    try:
        # The source browser lists the spare, not registered yet.
        page.goto(f'{service.url}/ui/#/source/source')
        # The projects first (what the page reads first), then the hosts.
        expect(page.locator('table', has_text='Projects of source')
               ).to_be_visible(timeout=READ_TIMEOUT_MS)
        page.get_by_role('combobox', name='Show').select_option('hosts')
        register = page.get_by_role('link', name=f'Register host {SPARE}',
                                    exact=True)
        expect(register).to_be_visible(timeout=READ_TIMEOUT_MS)
        shoot(page, artifacts, 'host-source-browser')
        register.click()

        # The Hosts page's form, with the host and its cloud filled in.
        page.get_by_role('heading', level=1, name='Hosts').wait_for()
        form = page.locator('form', has=page.get_by_role(
            'heading', name='Register a host'))
        label = form.get_by_label
        expect(label('Host name', exact=True)).to_have_value(SPARE)
        expect(label('Source cloud', exact=True)).to_have_value('source')
        label('Destination cloud', exact=True).fill('destination')
        # No BMC: an evacuation powers nothing and provisions nothing.
        form.get_by_label('Power driver').select_option('fake')
        form.get_by_label('Machine id').fill(SPARE)
        form.get_by_label('Provision driver').select_option('manual')
        form.get_by_label('Instructions').fill(
            'Not to be reassigned: a harness test evacuates it only.')
        shoot(page, artifacts, 'host-register')
        form.get_by_role('button', name='Register').click()

        # Registered: in the list, in_source.
        row = page.get_by_role('row', name=re.compile(rf'^{SPARE} '))
        expect(row).to_contain_text('in_source')
        expect(page.get_by_role('main')).to_contain_text(
            f'Host {SPARE} registered.')
        shoot(page, artifacts, 'host-registered')
        row.get_by_role('link', name=SPARE, exact=True).click()

        # Its page: the drivers as registered; evacuate, confirmed.
        page.get_by_role('heading', level=1, name=f'Host {SPARE}').wait_for()
        expect(page.locator('main .facts')).to_contain_text(
            f'fake (id={SPARE})')
        expect(current_step(page)).to_have_text('in source')
        confirm(page, 'Evacuate')

        # The operations log fills in while the page stays open.
        log = page.get_by_role('log', name='Operations')
        expect(log).to_contain_text(re.compile(r'disable\s+running'),
                                    timeout=READ_TIMEOUT_MS)
        shoot(page, artifacts, 'host-evacuating')
        expect(current_step(page)).to_have_text(
            'evacuated', timeout=EVACUATE_TIMEOUT_MS)
        expect(log).to_contain_text(re.compile(r'evacuate\s+done'))
        expect(page.locator('main .badge').first).to_have_text('evacuated')
        assert page.locator('main .error').count() == 0, page.locator(
            'main .error').all_inner_texts()

        # What the source cloud says: the server went to another host.
        assert nova.servers_on(source, SPARE) == []
        assert source.compute.get_server(server.id).compute_host in OTHERS
        assert spare_service(source)['status'] == 'disabled'
        # The plan it followed, shown on the page once reloaded.
        page.reload()
        plan = page.locator('table', has_text='Servers and where they go')
        expect(plan).to_contain_text(server.name, timeout=READ_TIMEOUT_MS)
        shoot(page, artifacts, 'host-evacuated')

        # Back in the source's scheduling, from the same page.
        confirm(page, 'Enable')
        expect(current_step(page)).to_have_text(
            'in source', timeout=ENABLE_TIMEOUT_MS)
        assert fixtures.wait_until(
            lambda: spare_service(source)['status'] == 'enabled',
            timeout=60, interval=2), spare_service(source)
        shoot(page, artifacts, 'host-enabled')
        assert page.problems == []
    finally:
        put_back(service.client())
