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

"""The command line as its own in-process conductor.

A command that works on migrations or hosts does so as an owner of kind
``command`` (heart-beating while it runs, so that no conductor takes its
work over, and never sent work by the API) through the same dispatchers a
conductor has, with one worker each: the work runs in the command's own
thread, where Ctrl-C reaches it.
"""

from pumphouse.conductor import dispatch
from pumphouse.conductor import host_work
from pumphouse.conductor import migration_work
from pumphouse.conductor import task_manager


class LocalConductor:
    """The owner and dispatchers of one command-line process."""

    def __init__(self) -> None:
        self.owner = task_manager.Owner.command()
        self.migrations = dispatch.Dispatcher(
            task_manager.MIGRATION, self.owner.name, 1, migration_work.work)
        self.hosts = dispatch.Dispatcher(
            task_manager.HOST, self.owner.name, 1, self._host_work)

    @property
    def name(self) -> str:
        return self.owner.name

    def _host_work(self, host, owner: str, reason: str | None, **kwargs):
        return host_work.work(host, owner, reason,
                              migrations=self.migrations, **kwargs)

    def migration(self, uuid: str, **kwargs):
        """Work on a migration here (see
        :func:`pumphouse.conductor.migration_work.work`); returns it."""
        return self.migrations.run_here(uuid, **kwargs)

    def host(self, uuid: str, **kwargs):
        """Work on a host here (see
        :func:`pumphouse.conductor.host_work.work`); returns it."""
        return self.hosts.run_here(uuid, **kwargs)

    def __enter__(self) -> 'LocalConductor':
        self.owner.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.owner.stop()
