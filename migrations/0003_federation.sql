-- Federation state (package federation).

-- Remote actors we have fetched: their keys verify their signatures, their
-- inboxes receive our deliveries. host is the lower-case authority, for
-- domain policy and per-peer limits.
CREATE TABLE remote_actor (
    id             text PRIMARY KEY,
    host           text NOT NULL,
    username       text NOT NULL DEFAULT '',
    inbox          text NOT NULL,
    shared_inbox   text NOT NULL DEFAULT '',
    key_id         text NOT NULL UNIQUE,
    public_key_pem text NOT NULL,
    document       jsonb NOT NULL,
    fetched_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX remote_actor_host_idx ON remote_actor (host);

-- Every activity received, once: the unique id is the deduplication.
-- recipient is the local username of a personal inbox ('' for the shared one).
CREATE TABLE inbox_activity (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id  text NOT NULL UNIQUE,
    type         text NOT NULL,
    actor        text NOT NULL,
    recipient    text NOT NULL DEFAULT '',
    document     jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    outcome      text NOT NULL DEFAULT ''
);
CREATE INDEX inbox_activity_actor_idx ON inbox_activity (actor);

-- Follows in every direction (ours of remote actors, remote actors' of
-- ours, and local ones), keyed by the Follow activity's id.
CREATE TABLE follow (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follow_id  text NOT NULL UNIQUE,
    follower   text NOT NULL,
    followee   text NOT NULL,
    state      text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (follower, followee)
);
CREATE INDEX follow_followee_idx ON follow (followee, state, id);

-- Activities our actors published, served from their outboxes and
-- delivered by River jobs written in the same transaction.
CREATE TABLE outbox_activity (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id text NOT NULL UNIQUE,
    actor_id    bigint NOT NULL REFERENCES actor (id) ON DELETE CASCADE,
    type        text NOT NULL,
    public      boolean NOT NULL,
    document    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_activity_actor_idx ON outbox_activity (actor_id, id DESC);

-- What became of each delivery of an activity to an inbox.
CREATE TABLE delivery (
    outbox_id    bigint NOT NULL REFERENCES outbox_activity (id) ON DELETE CASCADE,
    inbox        text NOT NULL,
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    delivered_at timestamptz,
    PRIMARY KEY (outbox_id, inbox)
);

-- Peers that keep failing are backed off as a whole, so they do not
-- starve deliveries to the others.
CREATE TABLE peer (
    host                 text PRIMARY KEY,
    consecutive_failures integer NOT NULL DEFAULT 0,
    backoff_until        timestamptz,
    last_error           text NOT NULL DEFAULT '',
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Domain policy managed by node admins: blocked hosts, and the hosts an
-- allowlist-mode node federates with.
CREATE TABLE domain_block (
    host       text PRIMARY KEY,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE domain_allow (
    host       text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
