-- Email digests of a person's activity stream (package passport): how
-- often each person wants one, and when the last went out. A person
-- without a row gets none. last_sent_at starts when the digest is turned
-- on, so the first covers what happened since.
CREATE TABLE stream_digest (
    user_id      bigint PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
    frequency    text NOT NULL DEFAULT 'off' CHECK (frequency IN ('off', 'daily', 'weekly')),
    last_sent_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stream_digest_due_idx ON stream_digest (frequency, last_sent_at) WHERE frequency <> 'off';
