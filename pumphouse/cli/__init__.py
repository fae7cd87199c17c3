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

"""The operator's command line of the embedded mode.

``pumphouse plan``, ``migrate``, ``resume``, ``show``, ``list``, ``verify``,
``mappings``, ``passwords`` and ``events`` run the migration engine in the
``pumphouse`` process itself: no API, no RPC, the state in the local
database (SQLite under the XDG state directory unless ``[database]
connection`` says otherwise), the clouds named after their clouds.yaml
entries.

* :mod:`.parser` builds the argument parser;
* :mod:`.app` sets the service up, dispatches and turns errors into exit
  codes;
* :mod:`.migrate`, :mod:`.status` and :mod:`.passwords` are the commands;
* :mod:`.clouds` resolves the clouds they name, registering a clouds.yaml
  entry on first use;
* :mod:`.output` and :mod:`.progress` are what the operator sees.
"""
