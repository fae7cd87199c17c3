"""Resource drivers, loaded from the ``pumphouse.resources`` namespace."""
