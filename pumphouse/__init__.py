"""Pumphouse: move OpenStack workloads between clouds."""
