-- Organisation identity: each row names its unit by id beside the path it had then. Rows written
-- before units had ids keep a null id and are found through `dvk_unit_of(id, path)`; lists filter
-- with the hierarchy (dvk_subtree, dvk_carrier), never by comparing path prefixes, so the
-- text_pattern_ops indexes that served prefix matching go.
alter table criteria_sets add column if not exists org_unit_id uuid;
alter table inspections add column if not exists owner_org_unit_id uuid;
drop index if exists known_models_owner_path;
drop index if exists criteria_sets_org_path;
drop index if exists inspections_owner_path;
create index if not exists known_models_owner_unit on known_models (owner_org_unit_id);
create index if not exists inspections_owner_unit on inspections (owner_org_unit_id);
