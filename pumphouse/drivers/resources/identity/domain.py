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

"""identity.domain: Keystone domains, created with the same id."""

from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.identity import common
from pumphouse.engine import resource as res


def _attrs(domain) -> dict:
    # The description as it is: Keystone keeps "" and null apart (null is
    # accepted when a domain is created).
    return {'name': domain.name, 'description': domain.description,
            'enabled': bool(domain.is_enabled)}


class DomainDriver(common.IdentityDriver):
    """Domains. The destination gets the source's domain id
    (``explicit_domain_id``), so anything naming a domain by id keeps
    working."""

    collection = 'domains'
    strategies = ('depend', 'all', 'tenant', 'specific')
    workload_strategies = {'domain': 'tenant'}
    renamable = False

    def list_source(self, ctx):
        return ctx.source.identity.domains()

    def describe_source(self, domain) -> res.Resource:
        return res.Resource(self.resource_type, domain.id, domain.name,
                            _attrs(domain))

    def expand(self, ctx, selection, graph):
        def named_in_workload(domains) -> set[str]:
            if selection.workload.kind != 'domain':
                return set()
            ids = {d.id for d in domains.values()
                   if d.id in selection.workload.names
                   or d.name in selection.workload.names}
            selection.scope_domains.update(ids)
            return ids
        return self.new(ctx, graph, self.chosen(ctx, selection,
                                                tenant=named_in_workload))

    def _describe(self, domain) -> dict:
        return dict(_attrs(domain), id=domain.id)

    def get_destination(self, ctx, destination_id):
        domain = helpers.get_or_none(ctx.destination.identity.get_domain,
                                     destination_id)
        return self._describe(domain) if domain else None

    def find_destination(self, ctx, resource, attrs):
        found = self.get_destination(ctx, resource.id)
        if found is not None:
            return found
        domain = helpers.one_or_none(
            ctx.destination.identity.domains(name=attrs['name']))
        return self._describe(domain) if domain else None

    def create(self, ctx, resource, attrs) -> str:
        body = {'domain': {'name': attrs['name'],
                           'description': attrs['description'],
                           'enabled': attrs['enabled'],
                           'explicit_domain_id': resource.id}}
        response = helpers.check(ctx.destination.identity.post(
            '/domains', json=body))
        return response.json()['domain']['id']

    def delete(self, ctx, destination_id) -> None:
        identity = ctx.destination.identity
        if helpers.get_or_none(identity.get_domain, destination_id):
            # Keystone deletes only disabled domains.
            identity.update_domain(destination_id, is_enabled=False)
            identity.delete_domain(destination_id, ignore_missing=True)
