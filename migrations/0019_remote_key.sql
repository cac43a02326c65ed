-- Every key a remote actor lists (publicKey, one or several, and
-- assertionMethod Multikeys), so a signature is checked with the key its
-- keyId names, not only the first one. remote_actor.key_id and
-- public_key_pem stay the actor's primary (first RSA) key.
CREATE TABLE remote_key (
    key_id         text PRIMARY KEY,
    owner          text NOT NULL REFERENCES remote_actor (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('rsa', 'ed25519')),
    public_key_pem text NOT NULL, -- PKIX PEM, whatever form the actor published
    -- listed in the actor's assertionMethod (FEP-521a): may sign objects
    -- (FEP-8b32 proofs), not only requests
    assertion      boolean NOT NULL DEFAULT false,
    fetched_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX remote_key_owner_idx ON remote_key (owner);

INSERT INTO remote_key (key_id, owner, kind, public_key_pem, fetched_at)
SELECT key_id, id, 'rsa', public_key_pem, fetched_at FROM remote_actor
ON CONFLICT (key_id) DO NOTHING;
