-- Projections are rebuilt into fresh tables and swapped in one by one: foreign keys between
-- read-model tables would tie them together, so they go. The projections are complete already
-- (written inline since the beginning): record them as live.
alter table inspections drop constraint if exists inspections_model_id_fkey;
alter table inspections drop constraint if exists inspections_criteria_set_id_fkey;
insert into projection_tracking (name, status)
values ('evaluation.criteria_sets', 'live'), ('evaluation.inspections', 'live'), ('evaluation.known_models', 'live')
on conflict do nothing;
