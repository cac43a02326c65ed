-- Roles as Open Badge Factory has them (account.Role, issue 15): admin,
-- creator, issuer and reviewer. staff, the role before creator and issuer,
-- could create, issue and endorse: it becomes creator, which may do all of
-- that. staff is still accepted as input (account.ParseRole) as creator.
UPDATE membership SET role = 'creator' WHERE role = 'staff';
ALTER TABLE membership DROP CONSTRAINT IF EXISTS membership_role_check;
ALTER TABLE membership ADD CONSTRAINT membership_role_check
    CHECK (role IN ('admin', 'creator', 'issuer', 'reviewer'));

-- An organisation admin's invitation of a person, by email, to join the
-- organisation with a role. The link is mailed (mail.Link kind
-- member_invitation): token_hash is SHA-256 of the newest token minted
-- for it. It works once (used_at, used_by) until expires_at, unless
-- revoked (revoked_at).
CREATE TABLE member_invitation (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    email           text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
    role            text NOT NULL CHECK (role IN ('admin', 'creator', 'issuer', 'reviewer')),
    token_hash      bytea UNIQUE,
    invited_by      bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    used_by         bigint REFERENCES app_user (id) ON DELETE SET NULL,
    revoked_at      timestamptz
);
CREATE INDEX member_invitation_organisation_idx ON member_invitation (organisation_id, id);
-- One open invitation per address and organisation: inviting again
-- replaces it.
CREATE UNIQUE INDEX member_invitation_open_key ON member_invitation (organisation_id, lower(email))
    WHERE used_at IS NULL AND revoked_at IS NULL;
