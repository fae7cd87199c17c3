#!/bin/bash
#
# sandbox.sh - run phases of the DevStack plugin without DevStack
#
# Usage: sandbox.sh WORKDIR PHASE...
#
# PHASE is what stack.sh, unstack.sh or clean.sh pass to plugin.sh, with a
# colon for the space: stack:install, stack:post-config, stack:extra,
# unstack, clean. devstack/settings is sourced once, then plugin.sh once
# per phase, in one shell, as DevStack does.
#
# DevStack's functions are replaced by stubs that append a line to
# WORKDIR/record: the function's name and its arguments, separated by
# tabs; a line "phase<TAB>PHASE" starts each phase. iniset, iniget,
# write_uwsgi_config and the other functions that write files write them
# for real (under WORKDIR), so that the resulting configuration can be
# read. Nothing outside WORKDIR is touched: the configuration and state
# directories are WORKDIR/etc/pumphouse and WORKDIR/data/pumphouse.
#
# The environment may set ENABLED_SERVICES (default: the services a
# DevStack node with keystone, mysql and rabbit runs), SANDBOX_DISABLE
# (services to disable after the settings enabled them, like
# disable_service in local.conf), PUMPHOUSE_AUTH_STRATEGY and
# SANDBOX_PYTHON (the Python that edits the ini files; python3).

set -o errexit
set -o pipefail

WORKDIR=$1
shift
RECORD=$WORKDIR/record
PYTHON=${SANDBOX_PYTHON:-python3}
TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)

mkdir -p "$WORKDIR/bin" "$WORKDIR/etc" "$WORKDIR/data"
touch "$RECORD"


# What stackrc, localrc and lib/* give a plugin
# ---------------------------------------------

DEST=$WORKDIR/opt
DATA_DIR=$WORKDIR/data
STACK_USER=$(id -un)
SERVICE_HOST=192.0.2.10
SERVICE_PROTOCOL=http
SERVICE_TIMEOUT=60
REGION_NAME=RegionOne
API_WORKERS=2
ENABLE_DEBUG_LOG_LEVEL=True
DATABASE_BACKENDS="mysql postgresql"
DATABASE_PASSWORD=secretdatabase
RABBIT_USERID=stackrabbit
RABBIT_PASSWORD=secretrabbit
SERVICE_PASSWORD=secretservice
SERVICE_PROJECT_NAME=service
SERVICE_DOMAIN_NAME=Default
KEYSTONE_SERVICE_URI=http://$SERVICE_HOST/identity
MEMCACHE_SERVERS=localhost:11211
CLOUDS_YAML=/etc/openstack/clouds.yaml
# python3 on PATH: the plugin checks "python${PYTHON3_VERSION}"
PYTHON3_VERSION=3
ENABLED_SERVICES=${ENABLED_SERVICES:-key,mysql,rabbit,g-api,n-api,q-svc}

# The checkout under test is the one the plugin was "cloned" to
PUMPHOUSE_DIR=$TOP_DIR
# Everything the plugin writes stays in the sandbox
PUMPHOUSE_CONF_DIR=$WORKDIR/etc/pumphouse
PUMPHOUSE_STATE_PATH=$WORKDIR/data/pumphouse
PUMPHOUSE_HOSTNAME=sandbox-host

export PATH=$WORKDIR/bin:$PATH


# Recording stubs
# ---------------

# record NAME ARGS... - append one line to the record
function record {
    local IFS=$'\t'
    echo "$*" >>"$RECORD"
}

# A fake executable that records how it was run
function fake_command {
    local name=$1
    cat >"$WORKDIR/bin/$name" <<EOF
#!/bin/bash
IFS=\$'\\t'
echo "exec	$name	\$*" >>"$RECORD"
EOF
    chmod +x "$WORKDIR/bin/$name"
}
fake_command pumphouse-dbsync
fake_command pumphouse-conductor
fake_command uwsgi

# iniset [-sudo] FILE SECTION OPTION VALUE - recorded, and written
function iniset {
    if [[ "$1" == "-sudo" ]]; then
        shift
    fi
    record iniset "$@"
    "$PYTHON" - "$@" <<'EOF'
import configparser
import sys

path, section, option, value = sys.argv[1:5]
parser = configparser.RawConfigParser(default_section='__sandbox__',
                                      strict=False)
parser.optionxform = str
parser.read(path)
if not parser.has_section(section):
    parser.add_section(section)
parser.set(section, option, value)
with open(path, 'w') as f:
    parser.write(f)
EOF
}

# iniget FILE SECTION OPTION - the value, empty when it is not set
function iniget {
    "$PYTHON" - "$@" <<'EOF'
import configparser
import sys

path, section, option = sys.argv[1:4]
parser = configparser.RawConfigParser(default_section='__sandbox__',
                                      strict=False)
parser.optionxform = str
parser.read(path)
print(parser.get(section, option, fallback=''))
EOF
}

function enable_service {
    local service
    for service in "$@"; do
        if [[ ! ,$ENABLED_SERVICES, =~ ,$service, ]]; then
            ENABLED_SERVICES+=,$service
        fi
    done
}

function disable_service {
    local service
    for service in "$@"; do
        ENABLED_SERVICES=$(echo ",$ENABLED_SERVICES," | \
            sed -e "s/,$service,/,/g" -e 's/^,//' -e 's/,$//')
    done
}

# is_service_enabled SERVICE... - whether one of them is enabled, by its
# name or by the is_SERVICE_enabled function of a lib (keystone: key)
function is_service_enabled {
    local service
    for service in "$@"; do
        if [[ ,$ENABLED_SERVICES, =~ ,$service, ]]; then
            return 0
        fi
        if declare -F "is_${service}_enabled" >/dev/null && \
                "is_${service}_enabled"; then
            return 0
        fi
    done
    return 1
}

function is_keystone_enabled {
    [[ ,$ENABLED_SERVICES, =~ ,key, ]]
}

function die {
    record die "$@"
    echo "die: $*" >&2
    exit 1
}

function echo_summary {
    echo "summary: $*"
}

function get_python_exec_prefix {
    echo "$WORKDIR/bin"
}

function sudo {
    record sudo "$@"
    "$@"
}

function setup_develop {
    record setup_develop "$@"
}

function install_apache_uwsgi {
    record install_apache_uwsgi "$@"
}

function setup_logging {
    record setup_logging "$@"
}

function iniset_rpc_backend {
    record iniset_rpc_backend "$@"
    if is_service_enabled rabbit; then
        iniset "$2" DEFAULT transport_url \
            "rabbit://$RABBIT_USERID:$RABBIT_PASSWORD@$SERVICE_HOST:5672/"
    fi
}

function configure_keystone_authtoken_middleware {
    record configure_keystone_authtoken_middleware "$@"
    local conf=$1
    local user=$2
    local section=${3:-keystone_authtoken}
    iniset "$conf" "$section" auth_type password
    iniset "$conf" "$section" interface public
    iniset "$conf" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" "$section" username "$user"
    iniset "$conf" "$section" password "$SERVICE_PASSWORD"
    iniset "$conf" "$section" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" "$section" project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" "$section" memcached_servers "$MEMCACHE_SERVERS"
    iniset "$conf" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
}

function database_connection_url {
    echo "mysql+pymysql://root:$DATABASE_PASSWORD@127.0.0.1/$1?charset=utf8"
}

function recreate_database {
    record recreate_database "$@"
}

function create_service_user {
    record create_service_user "$@"
}

function get_or_create_service {
    record get_or_create_service "$@"
    echo "service-id-of-$1"
}

function get_or_create_endpoint {
    record get_or_create_endpoint "$@"
    echo "endpoint-id-of-$1"
}

# write_uwsgi_config FILE WSGI URL HTTP NAME - what DevStack writes for a
# module path behind Apache's mod_proxy_uwsgi
function write_uwsgi_config {
    record write_uwsgi_config "$@"
    local file=$1
    local wsgi=$2
    local name=${5:-$(basename "$wsgi")}
    rm -f "$file"
    if [[ "$wsgi" =~ ^[a-zA-Z0-9_.]+:[a-zA-Z0-9_]+$ ]]; then
        iniset "$file" uwsgi module "$wsgi"
    else
        iniset "$file" uwsgi wsgi-file "$wsgi"
    fi
    iniset "$file" uwsgi processes "$API_WORKERS"
    iniset "$file" uwsgi master true
    iniset "$file" uwsgi lazy-apps true
    iniset "$file" uwsgi socket "/var/run/uwsgi/$name.socket"
}

function remove_uwsgi_config {
    record remove_uwsgi_config "$@"
    rm -f "$1"
}

function run_process {
    record run_process "$@"
}

function stop_process {
    record stop_process "$@"
}

function wait_for_service {
    record wait_for_service "$@"
}


# The plugin, phase by phase
# --------------------------

# shellcheck source=devstack/settings
source "$TOP_DIR/devstack/settings"
for service in ${SANDBOX_DISABLE:-}; do
    disable_service "$service"
done

for phase in "$@"; do
    record phase "$phase"
    # stack:install -> stack install; unstack -> unstack
    # shellcheck disable=SC2086
    source "$TOP_DIR/devstack/plugin.sh" ${phase/:/ }
done
