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

"""The API as a module-level WSGI ``application`` for uwsgi or gunicorn.

Configuration files are found the usual oslo.config way
(``/etc/pumphouse/pumphouse.conf``, ...) or named in the
``PUMPHOUSE_CONFIG_FILE`` environment variable (several separated by
commas).
"""

import os

from pumphouse.api import app
from pumphouse.common import service


def _argv() -> list[str]:
    files = os.environ.get('PUMPHOUSE_CONFIG_FILE', '')
    argv = ['pumphouse-api']
    for path in filter(None, (p.strip() for p in files.split(','))):
        argv += ['--config-file', path]
    return argv


service.prepare_service(_argv())
# Only on [oslo_reports] file_event_handler: the signals are the WSGI
# server's.
service.setup_reports('pumphouse-api', signals=False)
application = app.setup_app()
