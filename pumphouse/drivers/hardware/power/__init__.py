"""Power drivers, loaded from the ``pumphouse.hardware.power`` namespace."""
