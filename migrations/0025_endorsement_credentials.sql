-- Endorsements as Open Badges 3.0 EndorsementCredentials (packages network
-- and issuer).

-- An organisation's endorsements are signed credentials of the
-- organisation like its OpenBadgeCredentials, with entries in the same
-- revocation status list: the credential table holds both, so that one
-- UNIQUE (organisation_id, status_index) keeps every index of the list
-- distinct. A row is the credential of an assertion or of an endorsement.
-- revoked_at: when a credential that is not an assertion's was revoked
-- (its endorsement withdrawn); an assertion's follows the assertion.
ALTER TABLE credential DROP CONSTRAINT credential_pkey;
ALTER TABLE credential ALTER COLUMN assertion_id DROP NOT NULL;
ALTER TABLE credential ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
ALTER TABLE credential ADD CONSTRAINT credential_assertion_key UNIQUE (assertion_id);
ALTER TABLE credential ADD COLUMN endorsement_id bigint UNIQUE REFERENCES endorsement (id) ON DELETE CASCADE;
ALTER TABLE credential ADD COLUMN revoked_at timestamptz;
ALTER TABLE credential ADD CONSTRAINT credential_of_one CHECK (num_nonnulls(assertion_id, endorsement_id) = 1);

-- The EndorsementCredential of an endorsement:
--   credential: the signed JSON, exactly as signed (hosted here) or as
--     received from the endorser's node; credential_jwt: the same as a
--     VC-JWT, for those hosted here.
--   credential_state: 'none' (no credential: made before Open Badges 3.0,
--     or received from a node that sends none; shown as before), 'hosted'
--     (signed here), 'unverified' (received, its verification queued; not
--     shown yet), 'verified' (received and verified: shown), 'rejected'
--     (received and failed verification: never shown; credential_problem
--     says why).
ALTER TABLE endorsement
    ADD COLUMN credential         text,
    ADD COLUMN credential_jwt     text,
    ADD COLUMN credential_state   text NOT NULL DEFAULT 'none'
        CHECK (credential_state IN ('none', 'hosted', 'unverified', 'verified', 'rejected')),
    ADD COLUMN credential_problem text NOT NULL DEFAULT '',
    ADD CONSTRAINT endorsement_credential_kept CHECK ((credential_state = 'none') = (credential IS NULL));

-- An external endorser signs its one endorsement with a key of its own
-- (it has no node to sign with: this node keeps the key for it), published
-- on its Open Badges 3.0 Profile, and revokes it through a status list of
-- its own, since a status list must be issued by the credential's issuer.
-- NULL for endorsers from before Open Badges 3.0.
ALTER TABLE external_endorser
    ADD COLUMN private_key_pem      text,
    ADD COLUMN public_key_multibase text UNIQUE,
    ADD COLUMN status_index         integer CHECK (status_index BETWEEN 0 AND 131071),
    ADD CONSTRAINT external_endorser_key CHECK ((private_key_pem IS NULL) = (public_key_multibase IS NULL));
