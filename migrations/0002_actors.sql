-- ActivityPub actors of this node (package federation): one per organisation,
-- one per person with a username, and the node's own instance actor. The
-- username is the actor's handle (acct:username@host), so organisations and
-- people share one namespace. Keys are RSA-2048 PEM; the private key is never
-- served. A NULL key is generated on first use (rows made by this migration).
CREATE TABLE actor (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username                    text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    kind                        text NOT NULL CHECK (kind IN ('Organization', 'Person', 'Application')),
    manually_approves_followers boolean NOT NULL DEFAULT false,
    public_key_pem              text,
    private_key_pem             text,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK ((public_key_pem IS NULL) = (private_key_pem IS NULL))
);

-- People get a handle. Existing users get user<id>; they can be renamed later.
ALTER TABLE app_user ADD COLUMN username text;
UPDATE app_user SET username = 'user' || id;
ALTER TABLE app_user ALTER COLUMN username SET NOT NULL;
ALTER TABLE app_user ADD CONSTRAINT app_user_username_key UNIQUE (username);

INSERT INTO actor (username, kind) SELECT slug, 'Organization' FROM organisation;
INSERT INTO actor (username, kind) SELECT username, 'Person' FROM app_user;
-- The dot keeps it out of the organisation and person namespaces.
INSERT INTO actor (username, kind) VALUES ('laurel.instance', 'Application');
