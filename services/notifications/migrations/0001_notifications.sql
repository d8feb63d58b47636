-- Read models and queues of the notifications service.

-- Projection of the WebhookEndpoint streams. Never rebuilt from events (the secrets are not in them).
create table webhook_endpoints (
    id                 uuid primary key,
    url                text        not null check (url ~ '^https?://'),
    description        text,
    org_path           text        not null,
    event_types        text[]      not null default '{}',
    status             text        not null check (status in ('active', 'disabled')),
    secret_fingerprint text        not null,
    created_at         timestamptz not null,
    created_by         text        not null,
    disabled_at        timestamptz,
    disabled_by        text,
    version            integer     not null
);
create index webhook_endpoints_active_path on webhook_endpoints (org_path text_pattern_ops)
    where status = 'active';

-- Signing secrets, deliberately outside the append-only event log so they can be rotated or wiped.
create table webhook_secrets (
    endpoint_id uuid primary key references webhook_endpoints (id),
    secret      text        not null check (secret like 'whsec_%'),
    created_at  timestamptz not null default now()
);

-- The in-app inbox: one row per (event, unit the event is about).
create table notifications (
    id          uuid primary key,
    event_id    uuid        not null,
    event_type  text        not null,
    org_path    text        not null,
    subject     text,
    title_vi    text        not null,
    title_en    text        not null,
    body_vi     text        not null,
    body_en     text        not null,
    occurred_at timestamptz not null,
    created_at  timestamptz not null default clock_timestamp(),
    read_at     timestamptz,
    read_by     text,
    unique (event_id, org_path)
);
create index notifications_path_time on notifications (org_path text_pattern_ops, occurred_at desc);

-- Outgoing webhook queue: the exact body to send (text, so retries are byte-identical).
create table webhook_deliveries (
    id               uuid primary key,
    endpoint_id      uuid        not null references webhook_endpoints (id),
    event_id         uuid        not null,
    event_type       text        not null,
    payload          text        not null,
    status           text        not null default 'pending'
                     check (status in ('pending', 'delivered', 'failed', 'cancelled')),
    attempts         integer     not null default 0 check (attempts >= 0),
    next_attempt_at  timestamptz not null default clock_timestamp(),
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz not null default clock_timestamp(),
    delivered_at     timestamptz,
    unique (endpoint_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, created_at desc);

-- Wake the delivery worker when work is committed (polling remains the fallback).
create function dvk_webhooks_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('dvk_webhooks', '');
    return null;
end $$;
create trigger webhook_deliveries_wake_worker after insert on webhook_deliveries
    for each statement execute function dvk_webhooks_notify();
