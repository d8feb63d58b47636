-- Organisation identity: each row names its unit by id beside the path it had then. Rows written
-- before units had ids keep a null id and are found through `dvk_unit_of(id, path)`; lists and
-- checks use the hierarchy (dvk_subtree, dvk_carrier), so the prefix-matching indexes go.
alter table eligible_models add column if not exists owner_org_unit_id uuid;
alter table rounds add column if not exists org_unit_id uuid;
alter table nominations add column if not exists owner_org_unit_id uuid;
alter table grants add column if not exists owner_org_unit_id uuid;
drop index if exists eligible_models_org_path;
drop index if exists rounds_org_path;
create index if not exists eligible_models_owner_unit on eligible_models (owner_org_unit_id);
create index if not exists rounds_unit on rounds (org_unit_id);
