-- Org units leave the registry's own table: the hierarchy (ids, codes, validity intervals, successions)
-- now lives in the shared hierarchy tables, fed by the contracts the registry publishes. Units an
-- instance registered before keep their ids and stand from the day they were created.
insert into org_unit_versions (org_unit_id, valid_from, code, name, kind, parent_id)
select id, (created_at at time zone 'Asia/Ho_Chi_Minh')::date, code, name, kind, parent_id
  from org_units
on conflict do nothing;

-- One row per standing unit, unique per (parent, code): concurrent claims of a code meet here.
-- Root units have the nil uuid as their parent key (a null never collides in a unique index).
create table org_unit_codes (
    org_unit_id uuid primary key,
    parent_key  uuid not null,
    code        text not null,
    unique (parent_key, code)
);
insert into org_unit_codes (org_unit_id, parent_key, code)
select id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'), code from org_units;

-- Models keep their owner's id and the owner's path at registration (history stays true); lists
-- filter by the owner's carrier in the hierarchy, never by the copied path.
alter table models drop constraint if exists models_owner_org_unit_id_fkey;
drop index models_owner_path;
create index models_owner on models (owner_org_unit_id);
drop table org_units;
