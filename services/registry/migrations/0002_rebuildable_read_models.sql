-- The models projection (registry.models) is rebuilt into fresh tables and swapped in; a foreign
-- key into another read model would tie the two together, so it goes. The projection is already
-- complete (written inline since the beginning): record it as live.
alter table models drop constraint if exists models_owner_org_unit_id_fkey;
insert into projection_tracking (name, status) values ('registry.models', 'live') on conflict do nothing;
