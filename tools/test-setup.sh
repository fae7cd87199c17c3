#!/bin/bash
#
# Prepares the database servers of Pumphouse's unit tests, and the
# browsers of the web UI's tests (tools/browser-setup.sh), on a test
# machine. OpenStack's CI runs this script before tox; developers run it
# once on their own test machine, as a user who may use sudo (or as
# root), after installing the packages of bindep.txt (bindep test).
#
# The database tests (pumphouse/tests/unit/db/conftest.py) create and
# drop databases of their own on:
#
#   MariaDB or MySQL  mysql+pymysql://root@127.0.0.1:3306/   (no password)
#   PostgreSQL        postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
#                     (trust; 13 or newer: DROP DATABASE ... WITH (FORCE))
#
# so this script starts the servers if they do not answer yet and lets
# those two administrators in from the loopback addresses without a
# password. That is for a throwaway test machine only, never for a server
# that holds data. To use other servers or users, set
# PUMPHOUSE_TEST_MYSQL_URL and PUMPHOUSE_TEST_POSTGRESQL_URL instead (tox
# passes PUMPHOUSE_TEST_* on).
#
# It works on this machine's servers: MariaDB/MySQL as its root through
# the local socket (MYSQL_ROOT_PW is root's password, if it has one),
# PostgreSQL as the postgres system user.

set -o errexit
set -o xtrace

if [[ $(id -u) -eq 0 ]]; then
    SUDO=""
    AS_POSTGRES="runuser -u postgres --"
else
    SUDO="sudo -H -E"
    AS_POSTGRES="sudo -H -E -u postgres"
fi

# start_service NAME... - start the first of the services that exists
function start_service {
    local name
    for name in "$@"; do
        if command -v systemctl >/dev/null 2>&1 && \
                $SUDO systemctl start "$name" 2>/dev/null; then
            return 0
        fi
        if $SUDO service "$name" start 2>/dev/null; then
            return 0
        fi
    done
    echo "could not start any of: $*" >&2
    return 1
}

# wait_for COMMAND... - run COMMAND until it succeeds, for 30 seconds
function wait_for {
    local i
    for i in $(seq 30); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 1
    done
    "$@"
}

# MariaDB or MySQL
# ----------------

if [[ -n "$MYSQL_ROOT_PW" ]]; then
    # Through the environment, so that the trace does not show it.
    set +x
    MYSQL_ADMIN=(env "MYSQL_PWD=$MYSQL_ROOT_PW" mysql -u root)
    set -x
else
    # shellcheck disable=SC2206
    MYSQL_ADMIN=($SUDO mysql -u root)
fi

if ! "${MYSQL_ADMIN[@]}" -e 'SELECT 1' >/dev/null 2>&1; then
    start_service mariadb mysql
    wait_for "${MYSQL_ADMIN[@]}" -e 'SELECT 1'
fi

if "${MYSQL_ADMIN[@]}" -N -e 'SELECT VERSION()' | grep -qi mariadb; then
    # The socket still works for root@localhost; an empty password is
    # accepted too, for TCP connections that resolve to localhost.
    LOCAL_ROOT="ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket
        OR mysql_native_password USING PASSWORD('');"
else
    LOCAL_ROOT="ALTER USER 'root'@'localhost' IDENTIFIED BY '';"
fi

# Anonymous users would match before root and refuse its connections.
ANONYMOUS=$("${MYSQL_ADMIN[@]}" -N -e "
    SELECT CONCAT('DROP USER \'\'@\'', host, '\';')
    FROM mysql.user WHERE user = ''")
"${MYSQL_ADMIN[@]}" -e "
    $ANONYMOUS
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    CREATE USER IF NOT EXISTS 'root'@'::1';
    ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '';
    ALTER USER 'root'@'::1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'::1' WITH GRANT OPTION;
    $LOCAL_ROOT
    FLUSH PRIVILEGES;"

# As the tests connect.
mysql -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null

# PostgreSQL
# ----------

if ! $AS_POSTGRES psql -At -c 'SELECT 1' >/dev/null 2>&1; then
    start_service postgresql
    wait_for $AS_POSTGRES psql -At -c 'SELECT 1'
fi

HBA_FILE=$($AS_POSTGRES psql -At -c 'SHOW hba_file')
# Rules are matched in order: the trust rules go first.
TRUST_RULES="host all postgres 127.0.0.1/32 trust
host all postgres ::1/128 trust"
if ! $SUDO grep -q '^host all postgres 127.0.0.1/32 trust$' "$HBA_FILE"; then
    NEW_HBA=$(mktemp)
    {
        echo "# Pumphouse's unit tests (tools/test-setup.sh)"
        echo "$TRUST_RULES"
        $SUDO cat "$HBA_FILE"
    } > "$NEW_HBA"
    # cp keeps the owner and mode of the file it writes over.
    $SUDO cp "$NEW_HBA" "$HBA_FILE"
    rm -f "$NEW_HBA"
    $AS_POSTGRES psql -At -c 'SELECT pg_reload_conf()' >/dev/null
fi

# As the tests connect.
psql -h 127.0.0.1 -U postgres -d postgres -At -c 'SELECT 1' >/dev/null

echo "The unit tests' MariaDB/MySQL and PostgreSQL are ready."

# The web UI's browser tests (bindep browser)
# ---------------------------------------------

"$(dirname "$0")/browser-setup.sh"
