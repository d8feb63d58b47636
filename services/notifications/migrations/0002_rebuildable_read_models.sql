-- webhook_endpoints and notifications are projections, rebuilt into fresh tables and swapped in:
-- the secrets and the delivery queue (not projections) may not hold foreign keys into them.
-- The projections are complete already (written inline since the beginning): record them as live.
alter table webhook_secrets drop constraint if exists webhook_secrets_endpoint_id_fkey;
alter table webhook_deliveries drop constraint if exists webhook_deliveries_endpoint_id_fkey;
insert into projection_tracking (name, status)
values ('notifications.webhook_endpoints', 'live'), ('notifications.inbox', 'live')
on conflict do nothing;
