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

"""The conductor: the RPC service that does Pumphouse's long work.

Also what every process that works on a migration or a host shares, the
command line included: the task manager (:mod:`.task_manager`, one owner
for every piece of work), the dispatchers (:mod:`.dispatch`, a bounded
number of workers per kind of work) and the work functions
(:mod:`.migration_work`, :mod:`.host_work`).
"""

from pumphouse.common import service_backend

# Before any module of the package imports oslo.messaging.
service_backend.use_threads()
