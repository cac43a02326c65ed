-- External endorsers (package network): people and organisations without
-- an account here, invited by email to endorse an organisation or one of
-- its badges. Their endorsement is hosted here like one of ours.

-- Who wrote an external endorsement: the Open Badges Profile served at
-- /ob/endorsers/{uuid} and named as the endorsement's issuer.
CREATE TABLE external_endorser (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid       uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    url        text NOT NULL DEFAULT '',
    email_hint text NOT NULL DEFAULT '', -- "a…@example.org", never the address
    created_at timestamptz NOT NULL DEFAULT now()
);

-- An invitation: a single-use link, emailed to the invitee, valid until
-- expires_at. Only the hash of its token is kept. The address is kept
-- while the invitation is pending and cleared once it is used or expired.
CREATE TABLE external_invitation (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    subject_kind    text NOT NULL CHECK (subject_kind IN ('organisation', 'badge')),
    subject_id      text NOT NULL, -- our issuer Profile or one of our BadgeClasses
    subject_name    text NOT NULL DEFAULT '',
    badge_class_id  bigint REFERENCES badge_class (id) ON DELETE CASCADE,
    email           text,
    email_hint      text NOT NULL DEFAULT '',
    message         text NOT NULL DEFAULT '' CHECK (length(message) <= 5000),
    token_hash      bytea NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    endorsement_id  text NOT NULL DEFAULT '', -- the hosted Endorsement, once used
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((subject_kind = 'badge') = (badge_class_id IS NOT NULL)),
    CHECK (used_at IS NULL OR email IS NULL)
);
CREATE INDEX external_invitation_organisation_idx ON external_invitation (organisation_id, created_at);
CREATE INDEX external_invitation_email_idx ON external_invitation (expires_at) WHERE email IS NOT NULL;
