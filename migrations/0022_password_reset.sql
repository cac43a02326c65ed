-- Links that reset a forgotten password (package account), emailed, valid
-- an hour, used once. token_hash is the SHA-256 of the link's token, which
-- the mail job mints: no link is kept anywhere.
CREATE TABLE password_reset (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_reset_user_idx ON password_reset (user_id, created_at DESC);
