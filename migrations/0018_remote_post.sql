-- What Laurel keeps of other servers' posts (package federation), in
-- their current version: a Create stores a post, an Update replaces it
-- when newer, a Delete empties it and leaves the row as a tombstone (so
-- that a late Create or Update is ignored) until the prune job removes it.
-- recipient is the local username of the personal inbox it came to ('' for
-- the shared inbox); audience is its to and cc.
CREATE TABLE remote_post (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    object_id   text NOT NULL UNIQUE,
    activity_id text NOT NULL DEFAULT '',
    actor       text NOT NULL,
    recipient   text NOT NULL DEFAULT '',
    type        text NOT NULL DEFAULT 'Note',
    content     text NOT NULL DEFAULT '',
    summary     text NOT NULL DEFAULT '',
    url         text NOT NULL DEFAULT '',
    in_reply_to text NOT NULL DEFAULT '',
    audience    text[] NOT NULL DEFAULT '{}',
    published   timestamptz,
    updated     timestamptz,
    edited      boolean NOT NULL DEFAULT false, -- changed by an Update
    received_at timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    document    jsonb
);
CREATE INDEX remote_post_actor_idx ON remote_post (actor, id DESC);
CREATE INDEX remote_post_recipient_idx ON remote_post (recipient, id DESC) WHERE recipient <> '';
CREATE INDEX remote_post_reply_idx ON remote_post (in_reply_to) WHERE in_reply_to <> '';

-- Likes and boosts (Announce) of local posts by remote actors, once each.
CREATE TABLE post_reaction (
    activity_id text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('like', 'announce')),
    actor       text NOT NULL,
    object_id   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, actor, object_id)
);
CREATE INDEX post_reaction_object_idx ON post_reaction (object_id);

-- Remote actors that block a local actor: no follow either way, no
-- delivery to the blocker's own inbox.
CREATE TABLE remote_block (
    blocker    text NOT NULL,
    blocked    text NOT NULL,
    block_id   text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker, blocked)
);
CREATE INDEX remote_block_blocked_idx ON remote_block (blocked);

-- The prune job (federation_prune) removes old inbox rows by age.
CREATE INDEX inbox_activity_received_idx ON inbox_activity (received_at);
CREATE INDEX delivery_delivered_idx ON delivery (delivered_at) WHERE state = 'delivered';
ALTER TABLE inbox_activity ALTER COLUMN document DROP NOT NULL;
