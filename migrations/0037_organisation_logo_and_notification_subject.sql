-- An organisation's logo, uploaded by its admins (checked as badge images
-- are) and served from its node: its public page, its actor's icon and its
-- Open Badges issuer Profile's image (organisation.image_url then points
-- at it).
CREATE TABLE organisation_logo (
    organisation_id bigint PRIMARY KEY REFERENCES organisation (id) ON DELETE CASCADE,
    media_type      text NOT NULL CHECK (media_type IN ('image/png', 'image/svg+xml')),
    data            bytea NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- What a notification is about, when handling that thing makes it read:
-- 'request ' and the Offer's id for an endorsement request received,
-- 'share ' and the receiver's actor and the badge class for a badge
-- shared with the organisation. '' for notifications that only inform.
ALTER TABLE notification ADD COLUMN about text NOT NULL DEFAULT '';
CREATE INDEX notification_about_idx ON notification (about) WHERE about <> '' AND read_at IS NULL;
