"""Handing freed source hypervisors to the destination cloud."""
