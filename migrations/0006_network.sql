-- The endorsement network (package network) and what it needs of the
-- federation cache (package federation).

-- What partner directories and endorsements need of a remote actor, from
-- its document.
ALTER TABLE remote_actor
    ADD COLUMN type         text NOT NULL DEFAULT '',
    ADD COLUMN name         text NOT NULL DEFAULT '',
    ADD COLUMN country      text NOT NULL DEFAULT '',
    ADD COLUMN ob_profile   text NOT NULL DEFAULT '',
    ADD COLUMN discoverable boolean NOT NULL DEFAULT false;

-- listed: the organisation chose to appear in partner directories, here
-- and (as a discoverable actor) on other nodes.
ALTER TABLE organisation ADD COLUMN listed boolean NOT NULL DEFAULT false;

-- Endorsements between organisations: of an organisation (its issuer
-- Profile) or of one of its badge classes. A row is either hosted here
-- (the endorser is ours: uuid set, endorsement_id is our /ob/endorsements
-- URL) or received (endorsement_id is the endorser's). When both sides are
-- ours, one row serves both.
CREATE TABLE endorsement (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endorsement_id   text NOT NULL UNIQUE,
    uuid             uuid UNIQUE,
    endorser_actor   text NOT NULL,
    endorser_profile text NOT NULL,
    endorser_name    text NOT NULL DEFAULT '',
    endorser_org     bigint REFERENCES organisation (id) ON DELETE CASCADE,
    subject_kind     text NOT NULL CHECK (subject_kind IN ('organisation', 'badge')),
    subject_id       text NOT NULL, -- claim.id: an issuer Profile or a BadgeClass
    subject_name     text NOT NULL DEFAULT '',
    subject_actor    text NOT NULL,
    subject_org      bigint REFERENCES organisation (id) ON DELETE CASCADE,
    comment          text NOT NULL CHECK (length(comment) BETWEEN 1 AND 5000),
    issued_on        timestamptz NOT NULL,
    withdrawn_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX endorsement_active_key ON endorsement (endorser_actor, subject_id) WHERE withdrawn_at IS NULL;
CREATE INDEX endorsement_subject_idx ON endorsement (subject_id) WHERE withdrawn_at IS NULL;
CREATE INDEX endorsement_subject_actor_idx ON endorsement (subject_actor);
CREATE INDEX endorsement_endorser_idx ON endorsement (endorser_actor);

-- Endorsements withdrawn before we heard of them (a Delete that overtook
-- its Create): a late Create must not bring them back.
CREATE TABLE endorsement_tombstone (
    endorsement_id text PRIMARY KEY,
    deleted_at     timestamptz NOT NULL DEFAULT now()
);

-- Requests to be endorsed: the requester asks the target to endorse the
-- requester's organisation or one of its badges. One row serves both sides
-- when both are ours.
CREATE TABLE endorsement_request (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    offer_id        text NOT NULL UNIQUE, -- the Offer activity's id
    requester_actor text NOT NULL,
    requester_name  text NOT NULL DEFAULT '',
    requester_org   bigint REFERENCES organisation (id) ON DELETE CASCADE,
    target_actor    text NOT NULL,
    target_name     text NOT NULL DEFAULT '',
    target_org      bigint REFERENCES organisation (id) ON DELETE CASCADE,
    subject_kind    text NOT NULL CHECK (subject_kind IN ('organisation', 'badge')),
    subject_id      text NOT NULL,
    subject_name    text NOT NULL DEFAULT '',
    message         text NOT NULL DEFAULT '',
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined', 'withdrawn')),
    endorsement_id  text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX endorsement_request_requester_idx ON endorsement_request (requester_org, state);
CREATE INDEX endorsement_request_target_idx ON endorsement_request (target_org, state);

-- Reusable endorsement texts of an organisation.
CREATE TABLE endorsement_template (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 5000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, name)
);
