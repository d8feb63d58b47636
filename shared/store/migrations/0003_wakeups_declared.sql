-- The outbox's wake-up trigger is now installed from its declaration (`OUTBOX_WAKEUP` in
-- shared/store/wakeups.py, listed by every ServiceDefinition) at each start.
drop trigger if exists outbox_wakes_relay on outbox;
drop function if exists dvk_outbox_notify();
