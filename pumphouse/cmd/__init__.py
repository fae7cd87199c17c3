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

"""The console scripts (``pumphouse``, ``pumphouse-api``, ...).

They run on threads: oslo.service's threading backend is chosen here,
before any of them imports oslo.messaging.

The deprecation warnings a library gives about another library it
imports (cryptography's about DSA, printed when eventlet loads
dnspython) are for those libraries' developers: a command prints only
what it has to say to its operator. ``-W`` or ``PYTHONWARNINGS`` still
show them.
"""

import sys
import warnings

from cryptography.utils import CryptographyDeprecationWarning

from pumphouse.common import service_backend

if not sys.warnoptions:
    warnings.filterwarnings('ignore', category=CryptographyDeprecationWarning)

service_backend.use_threads()
