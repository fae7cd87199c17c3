#!/bin/bash
#
# plugin.sh - DevStack plugin for Pumphouse
#
# The plugin contract is described at
# https://docs.openstack.org/devstack/latest/plugins.html

# shellcheck source=devstack/lib/pumphouse
source "$PUMPHOUSE_DIR/devstack/lib/pumphouse"

if is_service_enabled pumphouse-api pumphouse-conductor; then

    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        # Called after the layer 1 and 2 projects and their dependencies
        # have been installed
        echo_summary "Installing Pumphouse"
        install_pumphouse

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        # Called after the layer 1 and 2 services have been configured and
        # Keystone is running; local.conf's [[post-config|...]] sections
        # are merged right after this phase.
        echo_summary "Configuring Pumphouse"
        configure_pumphouse
        if is_service_enabled keystone; then
            create_pumphouse_accounts
        fi

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        # Called near the end, after the layer 1 and 2 services have been
        # started
        echo_summary "Initializing and starting Pumphouse"
        init_pumphouse
        start_pumphouse
    fi

    if [[ "$1" == "unstack" ]]; then
        echo "Stopping Pumphouse"
        stop_pumphouse
    fi

    if [[ "$1" == "clean" ]]; then
        # clean.sh runs unstack.sh first
        echo "Cleaning up Pumphouse"
        cleanup_pumphouse
    fi
fi
