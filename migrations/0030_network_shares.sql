-- Regional networks, continued (issue 14): badges shared with a whole
-- network, members' endorsements in a network's feed, and a network's
-- logo.

-- A badge offered to a network (network: its Group actor) is one Offer
-- that many organisations receive: on the sharer's node a row for the
-- network itself (state 'offered', receiver the Group) and one row per
-- member that answered; on a member's node one row per member
-- organisation there. So an offer is unique per receiver, no longer
-- alone.
ALTER TABLE badge_share DROP CONSTRAINT badge_share_offer_id_key;
ALTER TABLE badge_share ADD CONSTRAINT badge_share_offer_receiver_key UNIQUE (offer_id, receiver_actor);
ALTER TABLE badge_share ADD COLUMN network text NOT NULL DEFAULT '';
ALTER TABLE badge_share DROP CONSTRAINT badge_share_state_check;
ALTER TABLE badge_share ADD CONSTRAINT badge_share_state_check
    CHECK (state IN ('offered', 'pending', 'accepted', 'declined'));

-- An endorsement a member shared with the network, relayed as a post:
-- the hosted endorsement and the name of what it endorses.
ALTER TABLE community_feed ADD COLUMN endorsement text NOT NULL DEFAULT '';
ALTER TABLE community_feed ADD COLUMN endorsed_name text NOT NULL DEFAULT '';

-- A network's logo, uploaded by its moderators (checked as badge images
-- are) and served from its node: its page, its Group actor's icon and its
-- Open Badges Profile's image.
CREATE TABLE community_logo (
    community_id bigint PRIMARY KEY REFERENCES community (organisation_id) ON DELETE CASCADE,
    media_type   text NOT NULL CHECK (media_type IN ('image/png', 'image/svg+xml')),
    data         bytea NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
