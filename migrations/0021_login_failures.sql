-- Wrong passwords, per account (package account): every process behind a
-- load balancer counts the same ones, and a second client address gets no
-- fresh tries. key is the SHA-256 of the lower-cased email tried, so that
-- addresses typed at the login form are not kept.
CREATE TABLE login_failure (
    key bytea NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failure_key_idx ON login_failure (key, at);
CREATE INDEX login_failure_at_idx ON login_failure (at);
