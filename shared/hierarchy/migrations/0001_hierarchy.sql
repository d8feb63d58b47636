-- PROVISIONAL (replaced by the shared hierarchy's own schema at merge): unit versions with validity
-- intervals, successions and split assignments.
create table hierarchy_versions (
    unit_id    uuid not null,
    code       text not null,
    name       text not null,
    kind       text not null,
    parent_id  uuid,
    valid_from date not null,
    valid_to   date,
    primary key (unit_id, valid_from)
);
create index hierarchy_versions_parent on hierarchy_versions (parent_id);
create table hierarchy_successions (
    unit_id      uuid primary key,
    successor_id uuid,
    ended_on     date not null
);
create index hierarchy_successions_successor on hierarchy_successions (successor_id);
create table hierarchy_assignments (
    unit_id      uuid not null,
    entity_id    uuid not null,
    successor_id uuid not null,
    primary key (unit_id, entity_id)
);

create function dvk_today() returns date language sql stable as
$$ select (now() at time zone 'Asia/Ho_Chi_Minh')::date $$;

create function dvk_subtree(root uuid, on_date date default null) returns setof uuid language sql stable as $$
    with recursive edges(child, parent) as (
        select unit_id, parent_id from hierarchy_versions
         where valid_from <= coalesce(on_date, dvk_today())
           and (valid_to is null or valid_to > coalesce(on_date, dvk_today()))
        union all
        select unit_id, successor_id from hierarchy_successions
         where on_date is null and successor_id is not null and ended_on <= dvk_today()
    ), tree(id) as (
        select root
        union
        select e.child from edges e join tree t on e.parent = t.id
    )
    select id from tree
$$;

create function dvk_carrier(unit uuid, entity uuid default null) returns uuid language plpgsql stable as $$
declare
    cur uuid := unit;
    nxt uuid;
    hops integer := 0;
begin
    loop
        nxt := null;
        if entity is not null then
            select a.successor_id into nxt from hierarchy_assignments a
             join hierarchy_successions s on s.unit_id = a.unit_id and s.ended_on <= dvk_today()
             where a.unit_id = cur and a.entity_id = entity;
        end if;
        if nxt is null then
            select s.successor_id into nxt from hierarchy_successions s
             where s.unit_id = cur and s.ended_on <= dvk_today();
        end if;
        if nxt is null or hops > 100 then
            return cur;
        end if;
        cur := nxt;
        hops := hops + 1;
    end loop;
end $$;
