-- Earner accounts on any node (package account): sign-up, email
-- verification, profiles; and deleted actors (package federation).

-- Settings of the whole node that node admins change at run time, by key.
-- signup_mode: open, invitation or closed (the default when absent).
CREATE TABLE node_setting (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Single-use sign-up links made by node admins, for a node that signs up
-- by invitation. Only a SHA-256 of the token is kept.
CREATE TABLE signup_invitation (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    note       text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
    created_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    used_by    bigint REFERENCES app_user (id) ON DELETE SET NULL
);
CREATE INDEX signup_invitation_created_idx ON signup_invitation (created_at DESC);

-- Whether the user confirmed their address. Users made before sign-up
-- existed were made by node operators and count as confirmed; a row
-- inserted without saying is not.
ALTER TABLE app_user ADD COLUMN email_verified boolean NOT NULL DEFAULT true;
ALTER TABLE app_user ALTER COLUMN email_verified SET DEFAULT false;

-- Single-use links that confirm an address, sent by email. email is the
-- address the link was sent to: it confirms that one only.
CREATE TABLE email_verification (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX email_verification_user_idx ON email_verification (user_id, created_at DESC);

-- The public profile of a person. links is a JSON array of
-- {"label", "url"}. profile_public false shows it to users logged in to
-- this node only; searchable is the person's consent to be found in people
-- search (and toot:discoverable on their actor).
ALTER TABLE app_user
    ADD COLUMN bio            text NOT NULL DEFAULT '' CHECK (char_length(bio) <= 500),
    ADD COLUMN photo_url      text NOT NULL DEFAULT '',
    ADD COLUMN links          jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(links) = 'array' AND jsonb_array_length(links) <= 5),
    ADD COLUMN profile_public boolean NOT NULL DEFAULT true,
    ADD COLUMN show_badges    boolean NOT NULL DEFAULT true,
    ADD COLUMN searchable     boolean NOT NULL DEFAULT false;

-- A deleted local actor stays as a tombstone: its handle is never given
-- again (other servers remember it), its key signs the Delete that tells
-- them, and its URL answers 410 Gone.
ALTER TABLE actor ADD COLUMN deleted_at timestamptz;
