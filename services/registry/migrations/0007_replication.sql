-- A model that replicates (nhân rộng) another names it.
alter table models add column replicates_model_id uuid;
create index models_replicates on models (replicates_model_id) where replicates_model_id is not null;
