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
