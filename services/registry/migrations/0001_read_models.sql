-- Read models of the registry, updated in the same transaction as the events they come from.

create table org_units (
    id          uuid primary key,
    code        text not null,
    name        text not null,
    kind        text not null,
    parent_id   uuid references org_units (id),
    path        text not null unique,
    created_at  timestamptz not null,
    version     integer not null
);
create index org_units_parent on org_units (parent_id);
create index org_units_path_prefix on org_units (path text_pattern_ops);

create table models (
    id                uuid primary key,
    title             text not null,
    description       text,
    owner_org_unit_id uuid not null references org_units (id),
    owner_org_path    text not null,
    owner_org_name    text not null,
    recipient_kind    text not null,
    field             text not null,
    year              integer not null,
    status            text not null,
    registered_at     timestamptz not null,
    registered_by     text not null,
    version           integer not null
);
create index models_owner_path on models (owner_org_path text_pattern_ops);
