-- The round tables are rebuilt into fresh tables and swapped in: foreign keys between read-model
-- tables would hold on to the tables being replaced, so they go. The projections are complete
-- already (written inline since the beginning): record them as live.
alter table quotas drop constraint if exists quotas_round_id_fkey;
alter table nominations drop constraint if exists nominations_round_id_fkey;
alter table grants drop constraint if exists grants_round_id_fkey;
alter table grants drop constraint if exists grants_nomination_id_fkey;
insert into projection_tracking (name, status)
values ('awards.rounds', 'live'), ('awards.eligible_models', 'live')
on conflict do nothing;
