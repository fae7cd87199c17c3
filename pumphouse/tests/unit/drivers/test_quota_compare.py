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

"""Quota limits only one of the clouds has (an older or newer release).

A 2024.1 Neutron has no ``router_route`` quota, the current one does:
such a limit is no difference, is never set from the source and never
fails a migration, while a limit both clouds have still is compared.
"""

import types

import requests
from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources import quota
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes
from pumphouse.tests.unit.drivers import network_fakes

#: A 2024.1 Neutron's quotas of a project.
OLD = {'network': 10, 'subnet': 10, 'port': 50, 'router': 10,
       'floatingip': 50, 'security_group': 10, 'security_group_rule': 100}
#: The current Neutron's: the same and ``router_route``.
NEW = dict(OLD, router_route=30)


def response(body: dict, status: int = 200) -> requests.Response:
    return network_fakes.response(body, status, project='dp')


class Neutron:
    """A destination ``conn.network`` holding one project's quotas."""

    def __init__(self, limits: dict) -> None:
        self.limits = dict(limits)
        self.puts: list[dict] = []

    def get(self, path: str) -> requests.Response:
        assert path == '/quotas/dp', path
        return response({'quota': dict(self.limits)})

    def put(self, path: str, json: dict) -> requests.Response:
        assert path == '/quotas/dp', path
        self.puts.append(json['quota'])
        unknown = set(json['quota']) - set(self.limits)
        if unknown:  # what Neutron answers for a quota it does not have
            return response({'NeutronError': {
                'message': f'Unrecognized attribute(s) {unknown}'}}, 400)
        self.limits.update(json['quota'])
        return response({'quota': dict(self.limits)})


class Keystone:
    """A destination ``conn.identity`` holding the projects named."""

    def __init__(self, *projects: str) -> None:
        self.projects = set(projects)

    def get_project(self, project_id: str):
        if project_id not in self.projects:
            raise sdk_exc.NotFoundException(f'no project {project_id}')
        return types.SimpleNamespace(id=project_id)


def context(neutron: Neutron, keystone: Keystone | None = None
            ) -> fakes.FakeContext:
    return fakes.FakeContext(destination=types.SimpleNamespace(
        network=neutron, identity=keystone or Keystone('dp')))


def driver() -> quota.NetworkQuotaDriver:
    return fakes.driver(quota.NetworkQuotaDriver, 'network.quota')


def attrs(limits: dict) -> dict:
    """Source attributes, translated (the project is the destination's)."""
    return {'project': 'dp', 'limits': dict(limits)}


def test_a_limit_only_the_destination_has_is_no_difference():
    actual = {'id': 'dp', 'project': 'dp', 'limits': dict(NEW)}
    assert driver().compare(attrs(OLD), actual) == {}


def test_a_limit_only_the_source_has_is_no_difference():
    actual = {'id': 'dp', 'project': 'dp', 'limits': dict(OLD)}
    assert driver().compare(attrs(NEW), actual) == {}


def test_a_limit_both_have_still_differs():
    actual = {'id': 'dp', 'project': 'dp',
              'limits': dict(NEW, port=60)}
    assert driver().compare(attrs(OLD), actual) == {
        'limits': {'source': OLD, 'destination': dict(OLD, port=60)}}


def test_verification_of_old_to_new_reports_nothing():
    neutron = Neutron(NEW)
    actual = driver().get_destination(context(neutron), 'dp')
    assert actual['limits']['router_route'] == 30
    assert driver().compare(attrs(OLD), actual) == {}


def test_the_quotas_of_a_gone_project_are_gone():
    """Planning again after the destination project was deleted: Nova
    answers 400 for its quotas; the project's absence is what counts."""
    neutron = Neutron(NEW)
    assert driver().get_destination(context(neutron, Keystone()),
                                    'dp') is None


def test_planning_finds_the_equal_quotas_despite_the_new_limit():
    neutron = Neutron(NEW)
    resource = res.Resource('network.quota', 'sp', 'demo', attrs(OLD))
    found = driver().find_destination(context(neutron), resource,
                                      attrs(OLD))
    assert found is not None and found['id'] == 'dp'


def test_create_sets_only_shared_limits_that_differ():
    neutron = Neutron(NEW)
    resource = res.Resource('network.quota', 'sp', 'demo', {})
    made = driver().create(context(neutron), resource,
                           attrs(dict(OLD, port=80)))
    assert made == 'dp'
    assert neutron.puts == [{'port': 80}]
    assert neutron.limits == dict(NEW, port=80)


def test_create_never_sets_a_destination_only_limit():
    neutron = Neutron(dict(NEW, router_route=5))
    resource = res.Resource('network.quota', 'sp', 'demo', {})
    driver().create(context(neutron), resource, attrs(OLD))
    assert neutron.puts == []
    assert neutron.limits['router_route'] == 5


def test_create_never_sends_a_source_only_limit():
    neutron = Neutron(OLD)
    resource = res.Resource('network.quota', 'sp', 'demo', {})
    driver().create(context(neutron), resource,
                    attrs(dict(NEW, router=20)))
    assert neutron.puts == [{'router': 20}]
