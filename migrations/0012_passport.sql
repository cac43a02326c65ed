-- The earner's backpack (package passport): the badges each user keeps.

-- One earned badge in one user's backpack. It arrives pending (issued on
-- this node to the user's email or actor, or announced by another node's
-- mention) and the earner accepts or declines it; one the earner adds
-- (by URL, JSON or a baked image) is accepted at once. The documents are
-- the snapshot the verifier (or, for a badge of this node, the issuer)
-- gave when the badge was last verified; '{}' until then. A fediverse
-- arrival that fails verification is refused, with the reason in problem.
CREATE TABLE backpack_item (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid              uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    user_id           bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    assertion_id      text NOT NULL, -- the Open Badges Assertion's id
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'accepted', 'declined', 'refused')),
    visibility        text NOT NULL DEFAULT 'private'
                      CHECK (visibility IN ('private', 'followers', 'public')),
    source            text NOT NULL CHECK (source IN ('issued', 'fediverse', 'url', 'upload')),
    sender            text NOT NULL DEFAULT '', -- the actor that announced a fediverse arrival
    verified          boolean NOT NULL DEFAULT false,
    verification      text NOT NULL DEFAULT '', -- hosted or signed
    jws               text NOT NULL DEFAULT '', -- a signed assertion, kept to check it again
    assertion         jsonb NOT NULL DEFAULT '{}',
    badge             jsonb NOT NULL DEFAULT '{}',
    issuer            jsonb NOT NULL DEFAULT '{}',
    badge_name        text NOT NULL DEFAULT '',
    badge_image       text NOT NULL DEFAULT '',
    issuer_name       text NOT NULL DEFAULT '',
    issued_on         timestamptz,
    expires           timestamptz,
    revoked           boolean NOT NULL DEFAULT false,
    revocation_reason text NOT NULL DEFAULT '',
    problem           text NOT NULL DEFAULT '', -- why it was refused, or why the last check failed
    last_checked_at   timestamptz,
    added_at          timestamptz NOT NULL DEFAULT now(),
    answered_at       timestamptz,
    UNIQUE (user_id, assertion_id)
);
CREATE INDEX backpack_item_user_idx ON backpack_item (user_id, added_at DESC);
CREATE INDEX backpack_item_recheck_idx ON backpack_item (last_checked_at)
    WHERE verified AND state IN ('pending', 'accepted');
