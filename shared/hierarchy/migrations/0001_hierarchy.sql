-- Every service's own copy of the organisation hierarchy, kept from the registry's org-unit events.
--
-- A unit is its stable id. What can change about it (name, parent, code, kind) lives in versions
-- with a validity interval [valid_from, valid_to) of calendar days in Vietnam; the path is never
-- stored: it is derived from the chain of parents valid on the day asked about, so a move changes the
-- paths of the whole subtree from its effective day without rewriting anything before it.

create table org_unit_versions (
    org_unit_id uuid not null,
    valid_from  date not null,
    valid_to    date,
    code        text not null,
    name        text not null,
    kind        text not null,
    parent_id   uuid,
    primary key (org_unit_id, valid_from),
    check (valid_to is null or valid_to > valid_from)
);
create index org_unit_versions_parent on org_unit_versions (parent_id, valid_from);
create index org_unit_versions_code on org_unit_versions (code);

-- A unit that ended (merged, split, dissolved) and who carries, from then on, what it carried.
create table org_unit_ends (
    org_unit_id  uuid primary key,
    ended_on     date not null,
    successor_id uuid,
    how          text not null check (how in ('merged', 'split', 'dissolved'))
);
create index org_unit_ends_successor on org_unit_ends (successor_id);

-- Entities a split gave to a successor other than the default one.
create table org_entity_assignments (
    entity_id    uuid primary key,
    from_unit_id uuid not null,
    org_unit_id  uuid not null,
    effective_on date not null
);

-- "Today" for every current question is the calendar day in Vietnam.
create function dvk_today() returns date language sql stable as $$
    select (now() at time zone 'Asia/Ho_Chi_Minh')::date
$$;

create function dvk_valid_on(valid_from date, valid_to date, on_date date) returns boolean
    language sql immutable as $$
    select valid_from <= on_date and (valid_to is null or on_date < valid_to)
$$;

-- The path of a unit on a day (root first, codes joined by dots), or null if it did not stand then.
create function dvk_unit_path(unit uuid, on_date date default null) returns text
    language sql stable as $$
    with recursive up(id, code, parent_id, depth) as (
        select v.org_unit_id, v.code, v.parent_id, 0
        from org_unit_versions v
        where v.org_unit_id = unit and dvk_valid_on(v.valid_from, v.valid_to, coalesce(on_date, dvk_today()))
        union all
        select v.org_unit_id, v.code, v.parent_id, up.depth + 1
        from up join org_unit_versions v on v.org_unit_id = up.parent_id
        where dvk_valid_on(v.valid_from, v.valid_to, coalesce(on_date, dvk_today())) and up.depth < 64
    )
    select case when count(*) = 0 then null
                else string_agg(code, '.' order by depth desc) end
    from up
$$;

-- The units in root's subtree. On a day: the tree as it stood then. Now (on_date null): the units under
-- root today and, recursively, the ended units they carry (merged, split or dissolved into them).
create function dvk_subtree(root uuid, on_date date default null) returns setof uuid
    language sql stable as $$
    with recursive t(id, depth) as (
        select root, 0
        union
        select x.id, t.depth + 1 from t cross join lateral (
            select v.org_unit_id as id from org_unit_versions v
            where v.parent_id = t.id and dvk_valid_on(v.valid_from, v.valid_to, coalesce(on_date, dvk_today()))
            union all
            select e.org_unit_id from org_unit_ends e
            where on_date is null and e.successor_id = t.id and e.ended_on <= dvk_today()
        ) x
        where t.depth < 64
    )
    select distinct id from t
$$;

-- Who carries now what `unit` owned (and, given an entity, that entity): a split's assignment of the
-- entity first, then the chain of successors of units that have ended; the unit itself while it stands.
create function dvk_carrier(unit uuid, entity uuid default null) returns uuid
    language plpgsql stable as $$
declare
    current_unit uuid := unit;
    next_unit uuid;
    steps integer := 0;
begin
    loop
        next_unit := null;
        if entity is not null then
            -- A split names where this entity goes, whether the split unit owned it or carried it.
            select a.org_unit_id into next_unit from org_entity_assignments a
            where a.entity_id = entity and a.from_unit_id = current_unit and a.effective_on <= dvk_today();
        end if;
        if next_unit is null then
            select e.successor_id into next_unit from org_unit_ends e
            where e.org_unit_id = current_unit and e.ended_on <= dvk_today();
        end if;
        exit when next_unit is null or steps >= 64;
        current_unit := next_unit;
        steps := steps + 1;
    end loop;
    return current_unit;
end $$;
