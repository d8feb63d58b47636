-- The unit a row is about, for rows stored before units had ids in every service: its id when the row
-- has one; otherwise the unit that stood at its stored path most recently (today, or on its last day).
-- Only rows carried over from an instance that ran before organisation identity lack the id, and their
-- units arrive in this service's hierarchy copy through the `<service>__org_units` consumer.
create function dvk_unit_of(unit uuid, path text) returns uuid
    language sql stable as $$
    select coalesce(unit, (
        select v.org_unit_id from org_unit_versions v
        where path is not null
          and v.code = regexp_replace(path, '^.*\.', '')
          and dvk_unit_path(v.org_unit_id, case when v.valid_to is null then dvk_today() else v.valid_to - 1 end)
              = path
        order by v.valid_to desc nulls first
        limit 1))
$$;
