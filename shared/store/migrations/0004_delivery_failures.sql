-- How often a consumer's effect has failed on an event, counted in the database so that only
-- failures of the effect lead to a dead letter — never deliveries that met the database away,
-- read-only or overloaded (JetStream's own delivery count counts those too).
create table delivery_failures (
    consumer   text        not null,
    event_id   uuid        not null,
    failures   integer     not null,
    last_error text        not null,
    updated_at timestamptz not null default now(),
    primary key (consumer, event_id)
);
