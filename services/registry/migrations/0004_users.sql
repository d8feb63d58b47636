-- People who sign in: data of the registry, like the tree their scopes name. The password hash stays
-- in this table: no event, answer or log carries it. Failed sign-ins are counted here, not in a
-- process, so every copy of the registry refuses a login that is being guessed.
create table users (
    login_key       text primary key,          -- lower(login): logins are compared case-insensitively
    login           text not null,
    name            text not null,
    roles           text[] not null check (cardinality(roles) > 0),
    org_unit_id     uuid not null,             -- the scope, by the unit's stable id (paths change)
    disabled        boolean not null default false,
    password_hash   text not null,
    failed_attempts integer not null default 0,
    locked_until    timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    check (login_key = lower(login))
);
create index users_org_unit on users (org_unit_id);
