-- Open Badges 2.0: badge classes, assertions and signing keys (package issuer).

-- sign_badges: new assertions of the organisation are JWS-signed rather than
-- hosted-only.
ALTER TABLE organisation ADD COLUMN sign_badges boolean NOT NULL DEFAULT false;

-- The RSA key an organisation signs assertions with, published as the
-- CryptographicKey of its issuer Profile. Kept apart from its ActivityPub
-- key so that either can be rotated alone.
CREATE TABLE issuer_key (
    organisation_id bigint PRIMARY KEY REFERENCES organisation (id) ON DELETE CASCADE,
    private_key_pem text NOT NULL,
    public_key_pem  text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE badge_class (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid               uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organisation_id    bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
    image              bytea NOT NULL,
    image_type         text NOT NULL CHECK (image_type IN ('image/png', 'image/svg+xml')),
    -- Exactly one of the two criteria forms is set.
    criteria_narrative text NOT NULL DEFAULT '',
    criteria_url       text NOT NULL DEFAULT '',
    tags               text[] NOT NULL DEFAULT '{}',
    alignments         jsonb NOT NULL DEFAULT '[]',
    expiry_kind        text NOT NULL DEFAULT 'none' CHECK (expiry_kind IN ('none', 'duration', 'date')),
    expiry_amount      integer NOT NULL DEFAULT 0,
    expiry_unit        text NOT NULL DEFAULT '' CHECK (expiry_unit IN ('', 'days', 'weeks', 'months', 'years')),
    expiry_date        timestamptz,
    archived_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((criteria_narrative = '') <> (criteria_url = ''))
);
CREATE INDEX badge_class_organisation_idx ON badge_class (organisation_id, name);

CREATE TABLE assertion (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid               uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    badge_class_id     bigint NOT NULL REFERENCES badge_class (id),
    -- kind: email (identity is sha256$... of the address and salt; the
    -- address itself is not kept), url, or actor (identity is the actor id).
    recipient_kind     text NOT NULL CHECK (recipient_kind IN ('email', 'url', 'actor')),
    recipient_identity text NOT NULL,
    recipient_salt     text NOT NULL DEFAULT '',
    -- hint: what the issuer sees in its lists, e.g. "a…@example.org".
    recipient_hint     text NOT NULL DEFAULT '',
    recipient_name     text NOT NULL DEFAULT '',
    -- evidence: a JSON array of {id, narrative} (vocab.Evidence).
    evidence           jsonb NOT NULL DEFAULT '[]',
    narrative          text NOT NULL DEFAULT '',
    issued_on          timestamptz NOT NULL,
    expires            timestamptz,
    -- jws: the compact JWS of a signed assertion, fixed when issued.
    jws                text NOT NULL DEFAULT '',
    revoked_at         timestamptz,
    revocation_reason  text NOT NULL DEFAULT '',
    claim_token_hash   bytea UNIQUE,
    claimed_at         timestamptz,
    issued_by          bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assertion_badge_class_idx ON assertion (badge_class_id, created_at DESC);
CREATE INDEX assertion_revoked_idx ON assertion (badge_class_id) WHERE revoked_at IS NOT NULL;
