"""The platform's Prometheus metrics: `dvk_` prefix, base units, histograms, no per-entity labels.

Labels are bounded sets (service, command, consumer, outcome, route template), never ids, so the
series count stays fixed however many models and events an instance holds.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter("dvk_commands_total", "Commands handled, by outcome.",
                   ["service", "command", "outcome"])
COMMAND_RETRIES = Counter("dvk_command_retries_total", "Commands decided again after losing a race on their stream.",
                          ["service", "command"])
COMMAND_SECONDS = Histogram("dvk_command_duration_seconds", "Time to decide and commit a command.",
                            ["service", "command"])
HTTP_REQUESTS = Counter("dvk_http_requests_total", "HTTP requests by route template and status class.",
                        ["service", "method", "route", "status"])
HTTP_SECONDS = Histogram("dvk_http_request_duration_seconds", "HTTP request latency.",
                         ["service", "method", "route"])
OUTBOX_PENDING = Gauge("dvk_outbox_pending", "Outbox rows not yet published.", ["service"])
OUTBOX_PUBLISHED = Counter("dvk_outbox_published_total", "Outbox rows published to JetStream.", ["service"])
OUTBOX_LAG_SECONDS = Histogram("dvk_outbox_publish_lag_seconds",
                               "Time from commit to JetStream acknowledgement.", ["service"],
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
RELAY_ACTIVE = Gauge("dvk_relay_active", "1 while this process holds the relay lock.", ["service"])
CONSUMER_SECONDS = Histogram("dvk_consumer_processing_seconds", "Time to apply one delivered event.",
                             ["service", "consumer", "outcome"])
CONSUMER_REDELIVERIES = Counter("dvk_consumer_redeliveries_total",
                                "Deliveries that were not the first for their message.",
                                ["service", "consumer"])
CONSUMER_DUPLICATES = Counter("dvk_consumer_duplicates_total",
                              "Events skipped because the inbox had already applied them.",
                              ["service", "consumer"])
DEAD_LETTERS = Counter("dvk_dead_letters_total", "Messages moved to the dead-letter table.",
                       ["service", "consumer", "reason"])
DEAD_LETTERS_UNWRITABLE = Counter("dvk_dead_letters_unwritable_total",
                                  "Dead letters that could not be stored; the message is kept and retried.",
                                  ["service", "consumer"])
CONSUMER_DATABASE_AWAY = Counter("dvk_consumer_database_unavailable_total",
                                 "Deliveries put back because the database was away, read-only or overloaded.",
                                 ["service", "consumer"])
DEAD_LETTERS_OPEN = Gauge("dvk_dead_letters_open", "Dead letters not yet replayed.", ["service"])
WEBHOOK_DELIVERIES = Counter("dvk_webhook_deliveries_total", "Webhook delivery attempts by outcome.",
                             ["outcome"])
WEBHOOK_PENDING = Gauge("dvk_webhook_deliveries_pending", "Webhook deliveries waiting to be sent.")
