-- The log and its order, and tamper evidence (docs/architecture.md, "Choices").
--
-- tx_id: the writing transaction's id. The log is read in (tx_id, position) order, and only rows
-- with tx_id below the oldest transaction still open are readable: everything there is final, and
-- a row that becomes visible later has a tx_id at or above that bound, so the readable log only
-- grows at its end. Existing rows all get this migration's id and stay in position order.
alter table events add column tx_id xid8 not null default pg_current_xact_id();
create index events_log_order on events (tx_id, position);

-- The outbox rows a transaction wrote carry its id too, so `dvk republish --from POSITION` finds the
-- public events written together with the stored events from that position on.
alter table outbox add column tx_id xid8 not null default pg_current_xact_id();
create index outbox_tx on outbox (tx_id);

-- hash = sha256(predecessor's hash in the stream || canonical content). Version 1 chains to a
-- fixed genesis value; prev_hash is null there. jsonb's text form is canonical; recorded_at is
-- encoded as microseconds since the epoch, independent of the session's time zone.
alter table events add column prev_hash bytea;
alter table events add column hash bytea;

create function dvk_event_content(e events) returns bytea language sql immutable as $$
    select convert_to(jsonb_build_array(
        e.event_id::text, e.stream_id, e.version, e.event_type, e.payload, e.metadata,
        (extract(epoch from e.recorded_at) * 1000000)::bigint::text)::text, 'UTF8')
$$;

create function dvk_genesis_hash() returns bytea language sql immutable as $$
    select sha256(convert_to('dvk-event-chain-genesis', 'UTF8'))
$$;

create function dvk_chain_event() returns trigger language plpgsql as $$
declare
    previous bytea;
begin
    if new.version = 1 then
        new.prev_hash := null;
        previous := dvk_genesis_hash();
    else
        select e.hash into previous from events e where e.stream_id = new.stream_id and e.version = new.version - 1;
        if previous is null then
            raise exception 'stream % has no version % to chain version % to', new.stream_id, new.version - 1,
                new.version using errcode = 'foreign_key_violation';
        end if;
        new.prev_hash := previous;
    end if;
    new.hash := sha256(previous || dvk_event_content(new));
    return new;
end $$;

-- Fill the chain of the rows already stored: the append-only guard is lifted inside this
-- migration's own transaction only.
alter table events disable trigger events_append_only;
do $$
declare
    r events;
    previous bytea;
begin
    for r in select * from events order by stream_id, version loop
        if r.version = 1 then
            previous := dvk_genesis_hash();
            update events set prev_hash = null, hash = sha256(previous || dvk_event_content(r))
                where position = r.position returning hash into previous;
        else
            update events set prev_hash = previous, hash = sha256(previous || dvk_event_content(r))
                where position = r.position returning hash into previous;
        end if;
    end loop;
end $$;
alter table events enable trigger events_append_only;
alter table events alter column hash set not null;

create trigger events_chain before insert on events
    for each row execute function dvk_chain_event();

-- Projections: how far each read model has read the log, written by a rebuild in the same
-- transaction as each batch of rebuilt rows. Inline projections are written in the events' own
-- transaction and are exactly as fresh as the log, so commands never touch this table.
create table projection_tracking (
    name        text        primary key,
    tx_id       xid8,
    position    bigint      not null default 0,
    status      text        not null check (status in ('rebuilding', 'live')),
    events      bigint      not null default 0,
    started_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
