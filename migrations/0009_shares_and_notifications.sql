-- Badge sharing and notifications (package network).

-- A badge class shared by one organisation with another, as a link (the
-- receiver lists it) or as a copy (the receiver may issue it itself). One
-- row serves both sides when both are ours. The receiver may change its
-- answer; answered_at orders answers that arrive out of order.
CREATE TABLE badge_share (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    offer_id        text NOT NULL UNIQUE,
    sharer_actor    text NOT NULL,
    sharer_name     text NOT NULL DEFAULT '',
    sharer_org      bigint REFERENCES organisation (id) ON DELETE CASCADE,
    receiver_actor  text NOT NULL,
    receiver_name   text NOT NULL DEFAULT '',
    receiver_org    bigint REFERENCES organisation (id) ON DELETE CASCADE,
    badge_id        text NOT NULL, -- the shared BadgeClass
    badge_name      text NOT NULL,
    badge_image     text NOT NULL DEFAULT '',
    badge           jsonb NOT NULL DEFAULT '{}', -- the BadgeClass as shared
    mode            text NOT NULL CHECK (mode IN ('link', 'copy')),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined')),
    answered_at     timestamptz,
    copy_badge_id   bigint REFERENCES badge_class (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (receiver_actor, badge_id)
);
CREATE INDEX badge_share_sharer_idx ON badge_share (sharer_org);
CREATE INDEX badge_share_receiver_idx ON badge_share (receiver_org);

-- What an organisation's people are told in the app: new requests,
-- endorsements and shares. Written in the transaction of what they tell.
CREATE TABLE notification (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    text            text NOT NULL,
    link            text NOT NULL DEFAULT '',
    emailed         boolean NOT NULL DEFAULT false,
    read_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_organisation_idx ON notification (organisation_id, created_at DESC);
CREATE INDEX notification_digest_idx ON notification (organisation_id) WHERE NOT emailed AND kind = 'request';

-- How an organisation hears of new endorsement requests by email: off,
-- at once, or in a daily digest.
ALTER TABLE organisation ADD COLUMN request_email text NOT NULL DEFAULT 'off'
    CHECK (request_email IN ('off', 'immediately', 'daily'));
