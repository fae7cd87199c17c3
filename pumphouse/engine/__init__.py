"""The migration engine: select, discover, plan, apply, verify.

No HTTP and no RPC in here: the ``pumphouse`` command and the conductor
both call it. Resource drivers (``pumphouse.resources`` entry points) know
the clouds' APIs; the engine knows the order of things.
"""
