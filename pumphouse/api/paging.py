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

"""Pages of list responses: the limit asked for and the next page's URL."""

from urllib import parse

from pumphouse.api import method
from pumphouse.conf import CONF


def limit(params: dict) -> int:
    """The page size asked for, capped by ``[api] max_limit``."""
    return min(int(params.get('limit', CONF.api.max_limit)),
               CONF.api.max_limit)


def next_link(path: str, params: dict, **page) -> str:
    """The URL of the next page: the same query with ``page`` changed."""
    query = dict(params, **{k: str(v) for k, v in page.items()})
    return method.link('v1', path) + '?' + parse.urlencode(
        sorted(query.items()))
