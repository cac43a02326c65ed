-- Open Badges 3.0 (package issuer): credential keys, the formats an
-- organisation issues, and the signed OpenBadgeCredentials.

-- credential_formats: which Open Badges versions issuing produces: 'ob3'
-- (a signed OpenBadgeCredential) and/or 'ob2' (the 2.0 Assertion).
ALTER TABLE organisation ADD COLUMN credential_formats text[] NOT NULL DEFAULT '{ob3,ob2}'
    CHECK (cardinality(credential_formats) >= 1 AND credential_formats <@ '{ob3,ob2}');

-- The Ed25519 keys an organisation signs credentials with, published as
-- Multikeys on its Profile and did:web document. Rotation revokes the
-- current key (revoked_at) and adds a new one; revoked keys stay published
-- so that credentials signed before still verify. Kept apart from its
-- ActivityPub and Open Badges 2.0 RSA keys.
CREATE TABLE credential_key (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id      bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    private_key_pem      text NOT NULL,
    public_key_multibase text NOT NULL UNIQUE,
    created_at           timestamptz NOT NULL DEFAULT now(),
    revoked_at           timestamptz
);
CREATE UNIQUE INDEX credential_key_current_idx ON credential_key (organisation_id) WHERE revoked_at IS NULL;

-- The OpenBadgeCredential of an assertion, as signed (the exact JSON
-- served; fixed when issued), and as a VC-JWT. status_index: its bit in the organisation's
-- revocation BitstringStatusList (131,072 entries, picked at random so
-- that the index says nothing of the order of issue); the bit is set while
-- the assertion is revoked.
CREATE TABLE credential (
    assertion_id    bigint PRIMARY KEY REFERENCES assertion (id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    key_id          bigint NOT NULL REFERENCES credential_key (id),
    status_index    integer NOT NULL CHECK (status_index BETWEEN 0 AND 131071),
    document        text NOT NULL,
    -- jwt: the same credential as a VC-JWT (EdDSA), made with it.
    jwt             text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, status_index)
);
