"""Neutron resources: networks, subnets, routers, ports, floating IPs
and security groups."""
