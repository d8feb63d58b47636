#!/bin/sh
# Runs once, when a service's database server volume is first created (the official image runs the
# files of /docker-entrypoint-initdb.d): the service's own login role, owner of its own database,
# which no other role may connect to — the rules the embedded server follows (shared/runtime/postgres.py).
#
# Reads DVK_SERVICE_ROLE (dvk_<service>, also the database's name) and DVK_SERVICE_ROLE_PASSWORD_FILE
# (postgres-<service>.password, written by `dvk secrets DIR`). The image may source this file instead of
# running it, so it defines one function and leaves the shell's options alone.
dvk_create_service_role() {
  dvk_password=$(cat "${DVK_SERVICE_ROLE_PASSWORD_FILE:?}") || return 1
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v role="${DVK_SERVICE_ROLE:?}" -v password="$dvk_password" <<'SQL'
create role :"role" login password :'password';
create database :"role" owner :"role";
revoke connect, temporary on database :"role" from public;
SQL
}
dvk_create_service_role
