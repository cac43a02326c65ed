-- The delivery backlog metric (laurel_delivery_backlog, read at every
-- Prometheus scrape) counts pending deliveries: a small partial index, so
-- that it does not scan every delivery ever made.
CREATE INDEX delivery_pending_idx ON delivery (outbox_id) WHERE state = 'pending';
