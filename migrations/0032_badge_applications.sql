-- Badge applications (package application, issue 16): forms people apply
-- for a badge with, the applications, their evidence files, reviewers and
-- decisions.

-- The reviewer role (account.RoleReviewer). creator and issuer, which the
-- product's roles add, are listed too, so that the migrations adding them
-- and this one apply in either order.
ALTER TABLE membership DROP CONSTRAINT IF EXISTS membership_role_check;
ALTER TABLE membership ADD CONSTRAINT membership_role_check
    CHECK (role IN ('admin', 'staff', 'reviewer', 'creator', 'issuer'));

-- An organisation's form templates ("Form templates" in the creator
-- menu). fields: the ordered fields as JSON (application.Field).
CREATE TABLE form_template (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '',
    fields          jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX form_template_organisation_idx ON form_template (organisation_id, id);

-- An application form for a badge class, built from a template whose
-- fields it copies (editing the template later changes no form). token
-- names its public URL; it is published, so it is kept as it is.
-- approvals: how many approvals issue the badge.
CREATE TABLE application_form (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    badge_class_id  bigint NOT NULL REFERENCES badge_class (id) ON DELETE CASCADE,
    template_id     bigint REFERENCES form_template (id) ON DELETE SET NULL,
    token           text NOT NULL UNIQUE,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '',
    fields          jsonb NOT NULL,
    opens_at        timestamptz,
    closes_at       timestamptz,
    listed          boolean NOT NULL DEFAULT true,
    approvals       integer NOT NULL DEFAULT 1 CHECK (approvals BETWEEN 1 AND 10),
    peer_review     boolean NOT NULL DEFAULT false,
    created_by      bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at)
);
CREATE INDEX application_form_organisation_idx ON application_form (organisation_id, id);

-- One application. state 'unconfirmed' until the applicant opens the
-- emailed confirmation link (confirm_token_hash, SHA-256); unconfirmed
-- ones are deleted after confirm_expires_at. applicant_token_hash opens
-- the applicant's own view (status, files, withdrawal) without an
-- account. source: the client address, kept a day for the hourly limits.
CREATE TABLE application (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid                 uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    form_id              bigint NOT NULL REFERENCES application_form (id) ON DELETE CASCADE,
    applicant_user_id    bigint REFERENCES app_user (id) ON DELETE SET NULL,
    email                text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name                 text NOT NULL DEFAULT '',
    answers              jsonb NOT NULL,
    state                text NOT NULL CHECK (state IN ('unconfirmed', 'new', 'in_review', 'approved', 'rejected', 'withdrawn')),
    confirm_token_hash   bytea UNIQUE,
    confirm_expires_at   timestamptz,
    applicant_token_hash bytea UNIQUE,
    source               text NOT NULL DEFAULT '',
    assertion_id         bigint REFERENCES assertion (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    submitted_at         timestamptz,
    decided_at           timestamptz
);
CREATE INDEX application_form_state_idx ON application (form_id, state, id);
CREATE INDEX application_email_idx ON application (lower(email), created_at);
CREATE INDEX application_source_idx ON application (source, created_at) WHERE source <> '';
CREATE INDEX application_unconfirmed_idx ON application (confirm_expires_at) WHERE state = 'unconfirmed';

-- The evidence files of an application, stored with it.
CREATE TABLE application_file (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid           uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    application_id bigint NOT NULL REFERENCES application (id) ON DELETE CASCADE,
    field          text NOT NULL,
    position       integer NOT NULL,
    name           text NOT NULL,
    content_type   text NOT NULL,
    size           integer NOT NULL CHECK (size > 0),
    data           bytea NOT NULL
);
CREATE INDEX application_file_application_idx ON application_file (application_id, position);

-- External reviewers of a form, invited by email; they review without an
-- account, through review_link.
CREATE TABLE application_reviewer (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id    bigint NOT NULL REFERENCES application_form (id) ON DELETE CASCADE,
    email      text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name       text NOT NULL DEFAULT '',
    invited_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX application_reviewer_email_key ON application_reviewer (form_id, lower(email));

-- The single-use link that lets an external reviewer (reviewer_id) or a
-- peer, another applicant of the same form (peer_application_id), review
-- one application: it shows the application until it is used for a
-- decision (used_at). token_hash: SHA-256 of the newest token mailed.
CREATE TABLE review_link (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id      bigint NOT NULL REFERENCES application (id) ON DELETE CASCADE,
    reviewer_id         bigint REFERENCES application_reviewer (id) ON DELETE CASCADE,
    peer_application_id bigint REFERENCES application (id) ON DELETE CASCADE,
    token_hash          bytea UNIQUE,
    used_at             timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((reviewer_id IS NULL) <> (peer_application_id IS NULL)),
    CHECK (peer_application_id IS DISTINCT FROM application_id),
    UNIQUE (application_id, reviewer_id),
    UNIQUE (application_id, peer_application_id)
);
CREATE INDEX review_link_peer_idx ON review_link (peer_application_id) WHERE peer_application_id IS NOT NULL;

-- Reviewers' decisions: by a member (user_id: an admin or reviewer of the
-- organisation) or through a review link. One decision per member or link
-- per application.
CREATE TABLE application_decision (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES application (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('member', 'external', 'peer')),
    user_id        bigint REFERENCES app_user (id) ON DELETE SET NULL,
    review_link_id bigint UNIQUE REFERENCES review_link (id) ON DELETE SET NULL,
    reviewer       text NOT NULL DEFAULT '',
    approve        boolean NOT NULL,
    comment        text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (application_id, user_id)
);
CREATE INDEX application_decision_application_idx ON application_decision (application_id, id);
