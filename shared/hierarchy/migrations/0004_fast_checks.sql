-- Every command asks who its caller is and whether the unit it acts on lies within the caller's
-- scope; these answer in a fraction of a millisecond.
--
-- PL/pgSQL with generic plans: a SQL function that cannot be inlined (a recursive walk) is planned
-- afresh on every call, and PL/pgSQL's plan cache kept choosing custom plans for these walks; either
-- way the planning cost twice the walk itself (measured: 0.45 ms of 0.6 per call on a tiny tree).

-- The path of a unit on a day (root first, codes joined by dots), or null if it did not stand then.
create or replace function dvk_unit_path(unit uuid, on_date date default null) returns text
    language plpgsql stable set plan_cache_mode = force_generic_plan as $$
begin
    return (
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
                    else string_agg(up.code, '.' order by up.depth desc) end
        from up);
end $$;

-- As in 0002_unit_of_path, planned once per session.
create or replace function dvk_unit_of(unit uuid, path text) returns uuid
    language plpgsql stable set plan_cache_mode = force_generic_plan as $$
begin
    return coalesce(unit, (
        select v.org_unit_id from org_unit_versions v
        where path is not null
          and v.code = regexp_replace(path, '^.*\.', '')
          and dvk_unit_path(v.org_unit_id, case when v.valid_to is null then dvk_today() else v.valid_to - 1 end)
              = path
        order by v.valid_to desc nulls first
        limit 1));
end $$;

-- Whether `unit` stands today in `root`'s subtree: a walk up from the unit through today's parents
-- (a handful of rows) instead of listing the whole subtree (every commune of a province) to find one.
-- Asked of a carrier (dvk_carrier), it answers as `dvk_carrier(...) in (select dvk_subtree(root))`:
-- a carrier has no successor, so the ended units a subtree carries never need to be walked.
create function dvk_within(unit uuid, root uuid) returns boolean
    language plpgsql stable set plan_cache_mode = force_generic_plan as $$
begin
    return exists (
        with recursive up(id, depth) as (
            select unit, 0
            union all
            select v.parent_id, up.depth + 1
            from up join org_unit_versions v on v.org_unit_id = up.id
            where dvk_valid_on(v.valid_from, v.valid_to, dvk_today()) and v.parent_id is not null and up.depth < 64
        )
        select 1 from up where up.id = root);
end $$;
