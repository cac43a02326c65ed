-- Regional badge networks (package community). A network is an issuer
-- record (organisation, kind 'network': it has an Open Badges Profile and
-- keys, so that it can recognise its members) with a Group actor, which
-- organisations on any node join by following it.
ALTER TABLE organisation ADD COLUMN kind text NOT NULL DEFAULT 'organisation'
    CHECK (kind IN ('organisation', 'network'));
ALTER TABLE actor DROP CONSTRAINT actor_kind_check;
ALTER TABLE actor ADD CONSTRAINT actor_kind_check CHECK (kind IN ('Organization', 'Person', 'Application', 'Group'));

-- What a network has beyond an issuer's profile. policy: who may join:
-- anyone (open), those the moderators accept (approval), or those they
-- invited (invitation).
CREATE TABLE community (
    organisation_id bigint PRIMARY KEY REFERENCES organisation (id) ON DELETE CASCADE,
    countries       text[] NOT NULL CHECK (cardinality(countries) BETWEEN 1 AND 60),
    policy          text NOT NULL CHECK (policy IN ('open', 'approval', 'invitation')),
    charter         text NOT NULL DEFAULT '',
    founded_by      bigint REFERENCES organisation (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The organisations on the network's node whose admins moderate it: the
-- founder, and those the moderators appoint.
CREATE TABLE community_moderator (
    community_id    bigint NOT NULL REFERENCES community (organisation_id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    appointed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, organisation_id)
);

-- The network's members and applicants, on any node, by actor id; name,
-- country, handle and Open Badges Profile as their actor said when they
-- applied (and as Update{Organization} says since). follow_id is their
-- Follow of the Group, which an Accept or Reject answers.
CREATE TABLE community_member (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id bigint NOT NULL REFERENCES community (organisation_id) ON DELETE CASCADE,
    actor        text NOT NULL,
    name         text NOT NULL DEFAULT '',
    country      text NOT NULL DEFAULT '',
    handle       text NOT NULL DEFAULT '',
    ob_profile   text NOT NULL DEFAULT '',
    state        text NOT NULL CHECK (state IN ('invited', 'pending', 'accepted', 'declined')),
    follow_id    text,
    applied_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    UNIQUE (community_id, actor)
);
CREATE INDEX community_member_state_idx ON community_member (community_id, state, id);

-- This node's organisations' memberships of networks, here or on other
-- nodes, as the network answered: pending until its Accept or Reject (for
-- a network hosted here, changed with its community_member row);
-- removed when it took them out.
CREATE TABLE community_membership (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    network         text NOT NULL,
    handle          text NOT NULL DEFAULT '',
    name            text NOT NULL DEFAULT '',
    state           text NOT NULL CHECK (state IN ('invited', 'pending', 'accepted', 'declined', 'removed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, network)
);

-- The members of networks on other nodes, as this node last heard: read
-- from the network's members collection (synced_at), then kept current by
-- the network's Add and Remove while an organisation here is a member.
-- The directory searches it.
CREATE TABLE community_directory (
    network    text NOT NULL,
    actor      text NOT NULL,
    name       text NOT NULL DEFAULT '',
    country    text NOT NULL DEFAULT '',
    handle     text NOT NULL DEFAULT '',
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, actor)
);
CREATE TABLE community_directory_sync (
    network   text PRIMARY KEY,
    synced_at timestamptz NOT NULL DEFAULT now()
);

-- What networks relayed (Announce) of their members' posts: on the
-- network's node as it relays, on a member's node as it arrives. One row
-- per network and post, however often it is relayed.
CREATE TABLE community_feed (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    network     text NOT NULL,
    object_id   text NOT NULL,
    author      text NOT NULL,
    author_name text NOT NULL DEFAULT '',
    content     text NOT NULL DEFAULT '', -- sanitised HTML
    url         text NOT NULL DEFAULT '',
    -- A badge class published to the network: its BadgeClass and image.
    badge       text NOT NULL DEFAULT '',
    badge_name  text NOT NULL DEFAULT '',
    image       text NOT NULL DEFAULT '',
    published   timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (network, object_id)
);
CREATE INDEX community_feed_network_idx ON community_feed (network, published DESC);

-- Who among a network's members endorses whom, as the network last read
-- it (its members' Open Badges 3.0 Profiles list the endorsements they
-- received): the picture on the network's page.
CREATE TABLE community_relation (
    community_id bigint NOT NULL REFERENCES community (organisation_id) ON DELETE CASCADE,
    endorser     text NOT NULL,
    endorsed     text NOT NULL,
    PRIMARY KEY (community_id, endorser, endorsed)
);
ALTER TABLE community ADD COLUMN relations_read_at timestamptz;

-- What the moderators decided, and what the policy decided for them
-- (by ''), newest last: the moderation page's log.
CREATE TABLE community_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id bigint NOT NULL REFERENCES community (organisation_id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    by_name      text NOT NULL DEFAULT '',
    action       text NOT NULL,
    subject      text NOT NULL DEFAULT ''
);
CREATE INDEX community_log_idx ON community_log (community_id, id DESC);
