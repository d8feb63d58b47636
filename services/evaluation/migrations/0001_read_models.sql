-- Read models of the evaluation service.
-- known_models is fed by the registry's ModelRegistered events (consumer evaluation__model_registered);
-- criteria_sets and inspections are updated in the same transaction as the events they come from.

create table known_models (
    model_id          uuid primary key,
    title             text not null,
    owner_org_unit_id uuid not null,
    owner_org_path    text not null,
    owner_org_name    text not null,
    recipient_kind    text not null,
    field             text not null,
    year              integer not null,
    registered_at     timestamptz not null,
    source_event_id   uuid not null unique,
    synced_at         timestamptz not null default now()
);
create index known_models_owner_path on known_models (owner_org_path text_pattern_ops);

create table criteria_sets (
    id           uuid primary key,
    code         text not null,
    name         text not null,
    org_path     text not null,
    year         integer,
    valid_from   date,
    pass_score   double precision not null,
    max_total    double precision not null,
    criteria     jsonb not null,
    defined_at   timestamptz not null,
    defined_by   text not null,
    version      integer not null,
    unique (org_path, code)
);
create index criteria_sets_org_path on criteria_sets (org_path text_pattern_ops);

create table inspections (
    id                uuid primary key,
    model_id          uuid not null references known_models (model_id),
    model_title       text not null,
    owner_org_path    text not null,
    criteria_set_id   uuid not null references criteria_sets (id),
    criteria_set_name text not null,
    scores            jsonb not null,
    total_score       double precision not null,
    pass_score        double precision not null,
    passed            boolean not null,
    inspected_on      date not null,
    notes             text,
    recorded_at       timestamptz not null,
    recorded_by       text not null,
    version           integer not null
);
-- "The latest counts": the newest inspection day, then the newest recording, per model.
create index inspections_latest on inspections (model_id, inspected_on desc, recorded_at desc);
create index inspections_owner_path on inspections (owner_org_path text_pattern_ops);
