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

"""Pumphouse: move OpenStack workloads between clouds.

Importing this package does nothing else: the OpenStack client plugin
(:mod:`pumphouse.osc`) is imported by every ``openstack`` command, so
nothing here may load the service's libraries. The service's packages
choose oslo.service's threading backend themselves
(:mod:`pumphouse.common.service_backend`).
"""
