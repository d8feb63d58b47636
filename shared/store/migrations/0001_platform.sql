-- The platform tables every service database holds.

-- Append-only event store. (stream_id, version) is the only concurrency guard.
create table events (
    position      bigint generated always as identity primary key,
    event_id      uuid        not null unique,
    stream_id     text        not null,
    stream_type   text        not null,
    version       integer     not null check (version > 0),
    event_type    text        not null,
    payload       jsonb       not null,
    metadata      jsonb       not null,
    recorded_at   timestamptz not null default now(),
    unique (stream_id, version)
);

create function dvk_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'the % table is append-only: % refused', tg_table_name, tg_op
        using errcode = 'insufficient_privilege';
end $$;

create trigger events_append_only before update or delete on events
    for each row execute function dvk_refuse_change();
create trigger events_no_truncate before truncate on events
    for each statement execute function dvk_refuse_change();

-- Transactional outbox: a ready-to-send CloudEvent per row, written with the events.
create table outbox (
    id           bigint generated always as identity primary key,
    event_id     uuid        not null unique,
    subject      text        not null,
    headers      jsonb       not null,
    body         bytea       not null,
    created_at   timestamptz not null default clock_timestamp(),
    published_at timestamptz
);
create index outbox_unpublished on outbox (id) where published_at is null;

create function dvk_outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('dvk_outbox', '');
    return null;
end $$;
create trigger outbox_wakes_relay after insert on outbox
    for each statement execute function dvk_outbox_notify();

-- Idempotent inbox: an event's effect is applied once per consumer.
create table inbox (
    consumer     text        not null,
    event_id     uuid        not null,
    event_type   text        not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- Idempotency keys of HTTP commands, written in the command's own transaction.
create table idempotency_keys (
    actor         text        not null,
    key           text        not null,
    command       text        not null,
    request_hash  text        not null,
    status_code   integer     not null,
    response      jsonb       not null,
    created_at    timestamptz not null default now(),
    primary key (actor, key)
);

-- Messages a consumer gave up on, kept whole so an operator can see and replay them.
create table dead_letters (
    id           bigint generated always as identity primary key,
    consumer     text        not null,
    event_id     text,
    subject      text        not null,
    headers      jsonb       not null,
    body         bytea       not null,
    reason       text        not null check (reason in ('invalid', 'failed')),
    error        text        not null,
    attempts     integer     not null,
    created_at   timestamptz not null default now(),
    resolved_at  timestamptz,
    resolution   text check (resolution in ('replayed', 'dismissed')),
    check ((resolved_at is null) = (resolution is null))
);
create unique index dead_letters_once on dead_letters (consumer, event_id)
    where event_id is not null and resolved_at is null;
