"""Nova resources: flavors, keypairs, server groups."""
