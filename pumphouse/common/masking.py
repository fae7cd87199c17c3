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

"""Masking secrets in what is shown or logged.

One function, :func:`mask`, is used wherever driver info, cloud
configuration or an error text may reach a user or a log: every value
under a password-like key is replaced by ``***`` (whatever it holds), and
credentials embedded in text are masked too: the user and password of a
URL (``http://admin:pw@fuel`` → ``http://***@fuel``) and
``password=...``-style pairs.
"""

import re
from typing import Any
from urllib import parse

from oslo_utils import strutils

SECRET = '***'  # noqa: S105 (the mask, not a password)

#: Words that make a key secret wherever they appear in it.
_SECRET_WORDS = ('password', 'passwd', 'passphrase', 'secret', 'token',
                 'private_key', 'privatekey', 'api_key',
                 'apikey', 'auth_key', 'authkey', 'configdrive',
                 'adminpass', 'admin_pass', 'new_pass', 'sys_pswd')
#: ``pass``, ``pwd``, ``pw``, ``psk`` as a whole key or its last word
#: (``ipmi_pass``, ``BMC_PWD``), not ``bypass`` or ``passthrough``.
_SECRET_SUFFIX = re.compile(r'(^|[_\-.\s])(pass|pwd|pw|psk)$')
#: The user information of a URL: ``scheme://user:password@``.
_URL_USERINFO = re.compile(
    r'(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/@\s?#]+)@')


def is_secret_key(key: Any) -> bool:
    """Whether a value under ``key`` is a secret (never shown)."""
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return (any(word in lowered for word in _SECRET_WORDS)
            or _SECRET_SUFFIX.search(lowered) is not None)


def url_has_credentials(url: str) -> bool:
    """Whether ``url`` carries a user or password (``user:pw@host``)."""
    try:
        return '@' in parse.urlsplit(url).netloc
    except ValueError:  # not a URL urllib can split: look for the form
        return _URL_USERINFO.search(url) is not None


def mask_text(text: str) -> str:
    """``text`` with URL credentials and ``password=...`` pairs masked."""
    masked = _URL_USERINFO.sub(lambda m: f'{m["scheme"]}{SECRET}@', text)
    return strutils.mask_password(masked, secret=SECRET)


def mask(value: Any) -> Any:
    """A copy of ``value`` that may be shown or logged.

    Mappings are masked key by key (a password-like key's value becomes
    ``***``, whatever it is), lists item by item, strings with
    :func:`mask_text`; anything else is returned as it is.
    """
    if isinstance(value, dict):
        return {key: SECRET if is_secret_key(key) else mask(item)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value
