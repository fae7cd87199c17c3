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

"""identity.user: Keystone users (local ones), with their passwords."""

from oslo_log import log

from pumphouse.conf import CONF
from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.identity import common
from pumphouse.drivers.resources.identity import passwords
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)


class UserDriver(common.IdentityDriver):
    """Users: name, domain, email, description, enabled, default project
    and options. What a created user gets as its password follows the
    ``password_mode`` option (see :mod:`.passwords`)."""

    collection = 'users'
    strategies = ('depend', 'tenant', 'all', 'specific')
    workload_strategies = {'domain': 'tenant'}
    verify_ignore = ('password_expires_at',)

    def list_source(self, ctx):
        return ctx.source.identity.users()

    def describe_source(self, user) -> res.Resource:
        attrs = {'name': user.name,
                 'domain': res.ref('identity.domain', user.domain_id),
                 # As it is: null for a user created without one, or "".
                 'email': user.email, 'description': user.description,
                 'enabled': bool(user.is_enabled),
                 'default_project': res.ref('identity.project',
                                            user.default_project_id),
                 'options': dict(user.options or {})}
        return res.Resource(self.resource_type, user.id, user.name, attrs)

    def expand(self, ctx, selection, graph):
        return self.new(ctx, graph, self.chosen(
            ctx, selection, tenant=lambda users: {
                u.id for u in users.values()
                if u.domain_id in selection.scope_domains
                or u.default_project_id in selection.scope_projects}))

    @staticmethod
    def _describe(user) -> dict:
        return {'id': user.id, 'name': user.name, 'domain': user.domain_id,
                'email': user.email, 'description': user.description,
                'enabled': bool(user.is_enabled),
                'default_project': user.default_project_id,
                'options': dict(user.options or {})}

    def get_destination(self, ctx, destination_id):
        user = helpers.get_or_none(ctx.destination.identity.get_user,
                                   destination_id)
        return self._describe(user) if user else None

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['domain'], res.Unresolved):
            return None
        user = helpers.one_or_none(ctx.destination.identity.users(
            name=attrs['name'], domain_id=attrs['domain']))
        return self._describe(user) if user else None

    def create(self, ctx, resource, attrs) -> str:
        kwargs = {'name': attrs['name'], 'domain_id': attrs['domain'],
                  'description': attrs['description'],
                  'is_enabled': attrs['enabled'],
                  'options': attrs['options']}
        if attrs['email']:
            kwargs['email'] = attrs['email']
        if attrs['default_project']:
            kwargs['default_project_id'] = attrs['default_project']
        return ctx.destination.identity.create_user(**kwargs).id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.identity.delete_user(destination_id,
                                             ignore_missing=True)

    def after_create(self, ctx, resource, destination_id, created) -> None:
        # Only users this migration created get a password; a reused user
        # keeps whatever it has in the destination.
        if not created:
            return
        mode = ctx.options.get('password_mode') or \
            CONF.identity.password_mode
        if mode == 'copy_hash':
            if not passwords.copy_hash(resource.id, destination_id):
                LOG.info('User %s has no password in the source; none was '
                         'copied', resource.name)
            return
        domains = helpers.source_list(ctx, 'domains',
                                      ctx.source.identity.domains)
        domain = domains.get(res.ref_key(resource.attrs['domain'])[1])
        passwords.issue_password(ctx, resource.id, destination_id,
                                 resource.name,
                                 domain.name if domain else None)
