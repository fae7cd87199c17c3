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

"""identity.project: Keystone projects with their parent chain."""

from pumphouse.common import exception
from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.identity import common
from pumphouse.engine import resource as res


def source_projects(ctx) -> dict:
    """Every source project (not domains) by id, listed once per run."""
    return helpers.source_list(
        ctx, 'projects',
        lambda: ProjectDriver().list_source(ctx))


def _parent(project) -> str | None:
    # A top-level project's parent is its domain.
    if project.parent_id and project.parent_id != project.domain_id:
        return project.parent_id
    return None


class ProjectDriver(common.IdentityDriver):
    """Projects: name, description, enabled, tags, domain and parent.

    A ``project`` workload takes the named projects and their
    sub-projects; a ``domain`` workload every project of its domains.
    """

    collection = 'projects'
    strategies = ('tenant', 'depend', 'all', 'specific')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}

    def list_source(self, ctx):
        return [p for p in ctx.source.identity.projects()
                if not p.is_domain]

    def all_source(self, ctx) -> dict:
        return source_projects(ctx)

    def describe_source(self, project) -> res.Resource:
        # The description as it is: Keystone gives "" to a project created
        # without one, null only when null is asked for, and keeps both.
        attrs = {'name': project.name,
                 'description': project.description,
                 'enabled': bool(project.is_enabled),
                 'tags': sorted(project.tags or []),
                 'domain': res.ref('identity.domain', project.domain_id),
                 'parent': res.ref(self.resource_type, _parent(project))}
        return res.Resource(self.resource_type, project.id, project.name,
                            attrs)

    def _workload_projects(self, ctx, selection) -> set[str]:
        projects = self.all_source(ctx)
        if selection.workload.kind == 'domain':
            return {p.id for p in projects.values()
                    if p.domain_id in selection.scope_domains}
        domain_ids = self._workload_domain_ids(ctx, selection)
        roots = set()
        for wanted in selection.workload.names:
            matches = [p for p in projects.values()
                       if (p.id == wanted or p.name == wanted)
                       and (domain_ids is None or p.domain_id in domain_ids)]
            if not matches:
                raise exception.Invalid(
                    reason=f'project {wanted!r} was not found in the '
                           'source')
            if len(matches) > 1:
                raise exception.Invalid(
                    reason=f'{len(matches)} projects are named {wanted!r}; '
                           'give the domain or the project id')
            roots.add(matches[0].id)
        return roots | self._descendants(projects, roots)

    @staticmethod
    def _workload_domain_ids(ctx, selection) -> set[str] | None:
        """Ids of the workload's ``domain`` (a name or an id), if given."""
        wanted = selection.workload.domain
        if wanted is None:
            return None
        domains = helpers.source_list(ctx, 'domains',
                                      ctx.source.identity.domains)
        ids = {d.id for d in domains.values()
               if wanted in (d.id, d.name)}
        if not ids:
            raise exception.Invalid(
                reason=f'domain {wanted!r} was not found in the source')
        return ids

    @staticmethod
    def _descendants(projects: dict, roots: set[str]) -> set[str]:
        found, frontier = set(), set(roots)
        while frontier:
            children = {p.id for p in projects.values()
                        if p.parent_id in frontier} - found - roots
            found |= children
            frontier = children
        return found

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        projects = self.all_source(ctx)
        if strategy == 'tenant' and selection.workload.kind in (
                'project', 'domain'):
            if selection.workload.kind == 'project' or \
                    selection.scope_domains:
                chosen = self._workload_projects(ctx, selection)
                selection.scope_projects.update(chosen)
            else:
                chosen = set()
        elif strategy == 'all':
            chosen = set(projects)
        elif strategy == 'specific':
            chosen = selection.specific_ids(self.resource_type)
            selection.scope_projects.update(chosen)
        else:
            chosen = set()
        return [self.describe_source(projects[i]) for i in sorted(chosen)
                if i in projects and (self.resource_type, i) not in graph]

    def _describe(self, project) -> dict:
        return {'id': project.id, 'name': project.name,
                'description': project.description,
                'enabled': bool(project.is_enabled),
                'tags': sorted(project.tags or []),
                'domain': project.domain_id, 'parent': _parent(project)}

    def get_destination(self, ctx, destination_id):
        project = helpers.get_or_none(ctx.destination.identity.get_project,
                                      destination_id)
        return self._describe(project) if project else None

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['domain'], res.Unresolved):
            return None
        project = helpers.one_or_none(ctx.destination.identity.projects(
            name=attrs['name'], domain_id=attrs['domain']))
        return self._describe(project) if project else None

    def create(self, ctx, resource, attrs) -> str:
        project = ctx.destination.identity.create_project(
            name=attrs['name'], description=attrs['description'],
            is_enabled=attrs['enabled'], domain_id=attrs['domain'],
            parent_id=attrs['parent'] or attrs['domain'],
            tags=attrs['tags'])
        return project.id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.identity.delete_project(destination_id,
                                                ignore_missing=True)
