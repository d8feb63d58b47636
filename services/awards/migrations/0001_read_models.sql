-- Read models of the awards service. `eligible_models` is built from the evaluation service's
-- InspectionPassed events; the others are written in the same transaction as the round's events.

create table eligible_models (
    model_id        uuid primary key,
    title           text             not null,
    org_path        text             not null,
    owner_org_name  text             not null,
    recipient_kind  text             not null check (recipient_kind in ('collective', 'individual')),
    inspection_id   uuid             not null,
    total_score     double precision not null,
    passed_at       timestamptz      not null,
    updated_at      timestamptz      not null default now()
);
create index eligible_models_org_path on eligible_models (org_path text_pattern_ops);

create table rounds (
    id             uuid primary key,
    name           text        not null,
    kind           text        not null check (kind in ('annual', 'mid_term', 'final')),
    year           integer     not null,
    org_path       text        not null,
    decision_date  date,
    status         text        not null default 'open' check (status in ('open', 'closed')),
    opened_at      timestamptz not null,
    opened_by      text        not null,
    version        integer     not null
);
create index rounds_org_path on rounds (org_path text_pattern_ops);

create table quotas (
    round_id        uuid    not null references rounds (id),
    award_type      text    not null check (award_type in ('commendation', 'reward')),
    recipient_kind  text    not null check (recipient_kind in ('collective', 'individual')),
    quota           integer not null check (quota >= 1),
    granted         integer not null default 0,
    primary key (round_id, award_type, recipient_kind),
    -- The round decides; this only makes a projection bug loud instead of silent.
    check (granted between 0 and quota)
);

create table nominations (
    id              uuid primary key,
    round_id        uuid             not null references rounds (id),
    model_id        uuid             not null,
    award_type      text             not null,
    recipient_kind  text             not null,
    model_title     text             not null,
    owner_org_path  text             not null,
    owner_org_name  text             not null,
    inspection_id   uuid             not null,
    total_score     double precision not null,
    summary         text,
    status          text             not null default 'nominated' check (status in ('nominated', 'granted')),
    nominated_at    timestamptz      not null,
    nominated_by    text             not null,
    unique (round_id, model_id, award_type)
);
create index nominations_round on nominations (round_id, nominated_at);

create table grants (
    id                uuid primary key,
    round_id          uuid        not null references rounds (id),
    nomination_id     uuid        not null unique references nominations (id),
    model_id          uuid        not null,
    award_type        text        not null,
    recipient_kind    text        not null,
    owner_org_path    text        not null,
    quota             integer     not null,
    granted_in_quota  integer     not null,
    granted_at        timestamptz not null,
    granted_by        text        not null
);
create index grants_round on grants (round_id);
