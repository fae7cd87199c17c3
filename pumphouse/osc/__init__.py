"""The OpenStackClient plugin: ``openstack migration ...`` commands."""
