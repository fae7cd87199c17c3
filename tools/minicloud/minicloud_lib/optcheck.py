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

"""Check config files against the options a venv's services know.

Runs *inside* a harness venv (it needs oslo.config and the services):
``<venv>/bin/python -m minicloud_lib.optcheck SERVICE FILE...``
(``minicloud check-config`` does this for every service of every
cloud). Every ``section/option`` of the files must be an option that
the service registers (its own ``oslo.config.opts`` namespaces, the
oslo libraries', keystoneauth's for sections with ``auth_type``), and
its value must parse. Prints one line per problem: ``unknown``,
``deprecated`` (still read, under another name) or ``bad value``.
Exit 1 if any option is unknown or bad.
"""

import configparser
import sys
from importlib.metadata import entry_points

#: Namespace prefixes that belong to a service (others: libraries).
_SERVICES = ("keystone", "glance", "placement", "nova", "neutron",
             "cinder", "ironic", "designate")
#: Sections whose options are registered under another group, as
#: {service: {section: group}} (multi-store and backend sections).
_SECTION_GROUPS = {
    "glance": {"file": "glance_store",
               "os_glance_staging_store": "glance_store",
               "os_glance_tasks_store": "glance_store"},
    "cinder": {"file": "backend_defaults"},
}
#: Options registered at run time by the harness's own drivers.
_DRIVER_OPTS = {("cinder", "backend_defaults"): {
    "minicloud_volumes_dir", "minicloud_bytes_per_gib",
    "minicloud_capacity_gb"}}


def _namespaces(service: str) -> list:
    mine = []
    for ep in entry_points(group="oslo.config.opts"):
        owner = ep.name.split(".")[0]
        if owner == service or owner not in _SERVICES:
            if "tests" not in ep.name:
                mine.append(ep)
    return mine


class Unchecked(Exception):
    """The service's own options cannot be listed in this venv."""


def _known(service: str) -> dict[str, dict[str, object]]:
    """{group: {name: opt}} incl. deprecated names (as ``(opt, new)``)."""
    known: dict[str, dict[str, object]] = {}
    for ep in _namespaces(service):
        try:
            listed = ep.load()()
        except Exception as exc:  # noqa: BLE001 - report, go on
            if ep.name.split(".")[0] == service:
                # e.g. current Cinder's list imports every driver, some
                # of whose libraries the harness does not install.
                raise Unchecked(f"namespace {ep.name}: {exc}") from exc
            print(f"note: namespace {ep.name} not loadable: {exc}")
            continue
        for group, opts in listed:
            name = getattr(group, "name", group) or "DEFAULT"
            for opt in opts:
                known.setdefault(name, {})[opt.dest] = opt
                for old in opt.deprecated_opts:
                    old_group = old.group or name
                    old_name = (old.name or opt.dest).replace("-", "_")
                    known.setdefault(old_group, {}).setdefault(
                        old_name, (opt, f"{name}/{opt.dest}"))
    return known


def _auth_opts() -> set[str]:
    from keystoneauth1 import loading  # noqa: PLC0415 - in the venv

    names = {"auth_type", "auth_section"}
    for opt in loading.get_auth_plugin_conf_options("password"):
        names.add(opt.dest)
    for opt in loading.get_session_conf_options():
        names.add(opt.dest)
    for opt in loading.get_adapter_conf_options(include_deprecated=True):
        names.add(opt.dest)
    return names


def check(service: str, files: list[str]) -> int:
    """Print problems of ``files`` for ``service``; their count."""
    from oslo_config import cfg  # noqa: PLC0415 - in the venv

    known = _known(service)
    for (owner, group), names in _DRIVER_OPTS.items():
        if owner == service:
            for name in names:
                known.setdefault(group, {})[name] = cfg.StrOpt(name)
    auth = _auth_opts()
    problems = 0
    for path in files:
        parser = configparser.RawConfigParser()
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(path)
        sections = [("DEFAULT", dict(parser.defaults()))] + [
            (s, {k: v for k, v in parser.items(s, raw=True)
                 if k not in parser.defaults()})
            for s in parser.sections()]
        for section, options in sections:
            group = _SECTION_GROUPS.get(service, {}).get(section, section)
            table = known.get(group, {})
            has_auth = "auth_type" in options
            for key, value in options.items():
                entry = table.get(key)
                if entry is None:
                    if has_auth and key in auth:
                        continue
                    print(f"{path}: [{section}] {key}: unknown")
                    problems += 1
                    continue
                if isinstance(entry, tuple):
                    entry, new = entry
                    print(f"{path}: [{section}] {key}: deprecated, "
                          f"now {new}")
                try:
                    entry.type(value)  # type: ignore[attr-defined]
                except (ValueError, TypeError) as exc:
                    print(f"{path}: [{section}] {key}: bad value "
                          f"{value!r}: {exc}")
                    problems += 1
    return problems


def main(argv: list[str]) -> int:
    """``optcheck SERVICE FILE...``."""
    if len(argv) < 2:
        print("usage: python -m minicloud_lib.optcheck SERVICE FILE...")
        return 2
    try:
        problems = check(argv[0], argv[1:])
    except Unchecked as exc:
        print(f"{argv[0]}: not checked: {exc}")
        return 0
    print(f"{argv[0]}: {len(argv) - 1} file(s), {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
