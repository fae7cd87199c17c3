"""The migration engine: select, discover, plan, apply, verify.

No HTTP and no RPC in here: the ``pumphouse`` command and the conductor
both call it. Resource drivers (``pumphouse.resources`` entry points) know
the clouds' APIs; the engine knows the order of things, and calls no
cloud itself. It defines what it asks of drivers
(:mod:`pumphouse.engine.driver`, :mod:`pumphouse.engine.checks.facts`)
and never imports them: :mod:`pumphouse.engine.registry` loads them by
name.
"""
