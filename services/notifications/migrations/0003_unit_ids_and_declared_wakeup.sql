-- Organisation identity: inbox rows and webhook endpoints name their unit by id beside the path they
-- had then. Rows written before units had ids keep a null id and are found through
-- `dvk_unit_of(id, path)`; matching uses the hierarchy (dvk_subtree, dvk_carrier), so the
-- prefix-matching indexes go.
alter table notifications add column if not exists owner_org_unit_id uuid;
alter table webhook_endpoints add column if not exists org_unit_id uuid;
drop index if exists webhook_endpoints_active_path;
drop index if exists notifications_path_time;
create index if not exists notifications_time on notifications (occurred_at desc);
create index if not exists notifications_owner_unit on notifications (owner_org_unit_id);

-- The webhook worker's wake-up is declared in the service definition (WEBHOOK_WAKEUP, installed at
-- start by shared/store/wakeups.py); the trigger this service's first migration created goes.
drop trigger if exists webhook_deliveries_wake_worker on webhook_deliveries;
drop function if exists dvk_webhooks_notify();
