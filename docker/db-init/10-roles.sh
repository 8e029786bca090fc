#!/bin/sh
# The database roles of docs/database.md, created by the db service's entrypoint when its volume
# is first initialised (docker-entrypoint-initdb.d), the same way newsdesk/devservices.py sets
# them up for `make run`: newsdesk_owner owns the database and every table and runs migrate;
# newsdesk_app is what the web server and the worker connect as, with the rights migration 0008
# grants it. Idempotent. For a volume made before this script existed, run it once by hand
# before the new web service starts; it also hands the existing tables to the owner:
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-roles.sh
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v database="$POSTGRES_DB" \
    -v owner_password="$NEWSDESK_DB_OWNER_PASSWORD" \
    -v app_password="$NEWSDESK_DB_APP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE newsdesk_owner'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'newsdesk_owner') \gexec
ALTER ROLE newsdesk_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
SELECT 'CREATE ROLE newsdesk_app'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'newsdesk_app') \gexec
ALTER ROLE newsdesk_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
ALTER DATABASE :"database" OWNER TO newsdesk_owner;
\connect :"database"
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Objects a superuser created (an older volume) pass to the owner: ADOPT_SQL of
-- newsdesk/devservices.py.
DO $$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND c.relowner <> 'newsdesk_owner'::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i', 'e'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', obj.kind, obj.name, 'newsdesk_owner');
    END LOOP;
    FOR obj IN
        SELECT p.oid::regprocedure AS name
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND p.proowner <> 'newsdesk_owner'::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', obj.name, 'newsdesk_owner');
    END LOOP;
END
$$;
SQL
