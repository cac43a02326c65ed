-- People follow badge classes (package passport): their activity stream
-- shows new public earners of the badge on this node and new endorsements
-- of it.
CREATE TABLE badge_follow (
    user_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    badge_id   text NOT NULL CHECK (badge_id ~ '^https?://'),
    badge_name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, badge_id)
);
CREATE INDEX badge_follow_badge_idx ON badge_follow (badge_id);
CREATE INDEX backpack_item_public_badge_idx ON backpack_item ((badge->>'id'))
    WHERE state = 'accepted' AND visibility = 'public';
