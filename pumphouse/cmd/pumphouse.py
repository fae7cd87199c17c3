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

"""pumphouse: the operator's command.

``pumphouse serve`` runs the API and a conductor in one process with an
in-process RPC transport and, unless ``[database] connection`` says
otherwise, an SQLite database under the user's state directory. That
embedded database is brought to the latest revision on start; a configured
one must be upgraded first with ``pumphouse-dbsync upgrade``.

The other commands (``plan``, ``migrate``, ``resume``, ``show``, ...) run
the migration engine in this process on the same local state, without API
or RPC: see :mod:`pumphouse.cli`.
"""

import sys

from pumphouse.cli import app
from pumphouse.common import service
from pumphouse.db import schema

EMBEDDED_DEFAULTS = {
    ('api', 'auth_strategy'): 'noauth',
    (None, 'transport_url'): 'fake:///',
}


@service.exit_on_error
def _serve(argv: list[str]) -> int:
    # Imported here: the API's stack (pecan, keystonemiddleware) would
    # slow every other command down by half a second.
    from pumphouse.api import service as api  # noqa: PLC0415
    from pumphouse.conductor import service as conductor  # noqa: PLC0415

    service.prepare_service(['pumphouse', *argv],
                            defaults=EMBEDDED_DEFAULTS)
    service.setup_reports('pumphouse-serve')
    # Made first: it refuses an unsafe configuration before the
    # database is touched.
    api_service = api.APIService()
    schema.upgrade_if_embedded(service.is_embedded())
    return service.run([conductor.ConductorService(), api_service])


#: Commands whose arguments all go to oslo.config.
SERVICES = {
    'serve': (_serve, 'Run the API and a conductor in one process on '
                      'embedded defaults (SQLite, in-process RPC, no '
                      'authentication on 127.0.0.1:8799).'),
}


def main(argv: list[str] | None = None) -> int:
    return app.main(sys.argv[1:] if argv is None else argv,
                    passthrough=SERVICES)


if __name__ == '__main__':
    sys.exit(main())
