"""Nova resources: flavors, keypairs, server groups and servers."""
