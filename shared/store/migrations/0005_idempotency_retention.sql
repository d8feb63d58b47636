-- Idempotency keys are kept for a while (DVK_IDEMPOTENCY_RETENTION_DAYS), then removed by each
-- service's retention loop (shared/store/retention.py); this index keeps that delete cheap.
create index if not exists idempotency_keys_created_at on idempotency_keys (created_at);
