"""Hardware drivers: power (IPMI, Ironic, fake) and provisioning."""
