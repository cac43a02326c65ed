-- Open Badges 3.0 for people (package passport): the Ed25519 keys a person
-- signs their EndorsementCredentials with, the credentials, and what an
-- earner's node learned of a credential sent with an endorsement.

-- A person's credential keys, published as Multikeys on their 3.0 Profile
-- (/ob/v3/people/{username}). Made on first need; rotation revokes the
-- current key and adds a new one; revoked keys stay published so that
-- credentials signed before still verify. As organisations' credential_key.
CREATE TABLE person_credential_key (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id              bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    private_key_pem      text NOT NULL,
    public_key_multibase text NOT NULL UNIQUE,
    created_at           timestamptz NOT NULL DEFAULT now(),
    revoked_at           timestamptz
);
CREATE UNIQUE INDEX person_credential_key_current_idx ON person_credential_key (user_id) WHERE revoked_at IS NULL;

-- The signed EndorsementCredentials of the endorsements people here write:
-- one per version of the endorsement (an edit issues a new one and revokes
-- the last). status_index: its bit in the person's revocation
-- BitstringStatusList (131,072 entries, picked at random); the bit is set
-- once revoked_at is (the endorsement edited or withdrawn).
CREATE TABLE person_credential (
    uuid            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endorsement_id  bigint NOT NULL REFERENCES person_endorsement (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    key_id          bigint NOT NULL REFERENCES person_credential_key (id),
    status_index    integer NOT NULL CHECK (status_index BETWEEN 0 AND 131071),
    document        text NOT NULL, -- as signed, served exactly so
    jwt             text NOT NULL, -- the same credential as a VC-JWT (EdDSA)
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    UNIQUE (user_id, status_index)
);
CREATE INDEX person_credential_endorsement_idx ON person_credential (endorsement_id);

-- Every endorsement's EndorsementCredential, on both nodes. credential:
-- its id ('' when the endorser's node sent none: an older peer).
-- On the earner's node, credential_document is the credential as received
-- and credential_state how its verification went: 'none' (no credential;
-- shown as before), 'unverified' (a passport_verify_endorsement job is
-- queued; not shown yet), 'verified' (shown) or 'rejected' (never shown;
-- credential_problem says why). Endorsements written here are 'verified'.
ALTER TABLE person_endorsement
    ADD COLUMN credential          text NOT NULL DEFAULT '',
    ADD COLUMN credential_document text,
    ADD COLUMN credential_state    text NOT NULL DEFAULT 'none'
        CHECK (credential_state IN ('none', 'unverified', 'verified', 'rejected')),
    ADD COLUMN credential_problem  text NOT NULL DEFAULT '';
