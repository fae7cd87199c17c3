"""Provision drivers, loaded from the ``pumphouse.hardware.provision``
namespace: they make an emptied hypervisor a destination compute host."""
