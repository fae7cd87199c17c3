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

"""The migration engine: select, discover, plan, apply, verify.

No HTTP and no RPC in here: the ``pumphouse`` command and the conductor
both call it. Resource drivers (``pumphouse.resources`` entry points) know
the clouds' APIs; the engine knows the order of things, and calls no
cloud itself. It defines what it asks of drivers
(:mod:`pumphouse.engine.driver`, :mod:`pumphouse.engine.checks.facts`)
and never imports them: :mod:`pumphouse.engine.registry` loads them by
name.
"""
