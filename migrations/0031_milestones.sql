-- Milestone badges (package milestone): a badge class of an organisation
-- that is issued automatically once an earner holds the badges its rule
-- asks for.

-- rule: all of the listed badges (required is their number), some of them
-- (required of them), or required badges carrying any of tags. partners:
-- the issuer Profile ids whose badges also count for a tags rule (a
-- partner's badge, held verified in the earner's passport on this node).
-- revoke_with_requirements: revoking a badge this organisation issued
-- that the milestone needs revokes the milestone too.
CREATE TABLE milestone (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    badge_class_id           bigint NOT NULL UNIQUE REFERENCES badge_class (id) ON DELETE CASCADE,
    organisation_id          bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    rule                     text NOT NULL CHECK (rule IN ('all', 'some', 'tags')),
    required                 integer NOT NULL CHECK (required >= 1),
    tags                     text[] NOT NULL DEFAULT '{}',
    partners                 text[] NOT NULL DEFAULT '{}',
    revoke_with_requirements boolean NOT NULL DEFAULT false,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestone_organisation_idx ON milestone (organisation_id);

-- The listed badges of an all or some rule: a badge class of the
-- milestone's organisation, or a partner's BadgeClass by its id (with the
-- name the creator gave it).
CREATE TABLE milestone_requirement (
    milestone_id   bigint NOT NULL REFERENCES milestone (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    badge_class_id bigint REFERENCES badge_class (id) ON DELETE CASCADE,
    badge_url      text NOT NULL DEFAULT '',
    name           text NOT NULL DEFAULT '',
    PRIMARY KEY (milestone_id, position),
    CHECK ((badge_class_id IS NULL) <> (badge_url = ''))
);
CREATE INDEX milestone_requirement_badge_idx ON milestone_requirement (badge_class_id) WHERE badge_class_id IS NOT NULL;
CREATE INDEX milestone_requirement_url_idx ON milestone_requirement (badge_url) WHERE badge_url <> '';

-- A milestone awarded: its assertion, and the passport user it went to
-- when the earner is one.
CREATE TABLE milestone_award (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    milestone_id bigint NOT NULL REFERENCES milestone (id) ON DELETE CASCADE,
    assertion_id bigint REFERENCES assertion (id),
    user_id      bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestone_award_milestone_idx ON milestone_award (milestone_id);

-- Who has a milestone, once each: every identity of the earner (the
-- SHA-256 of "email:address", "actor:id", "url:page") names the award, so
-- that no identity of theirs earns it twice. Addresses are kept only
-- hashed, as assertions keep them.
CREATE TABLE milestone_earner (
    milestone_id bigint NOT NULL REFERENCES milestone (id) ON DELETE CASCADE,
    earner_key   bytea NOT NULL,
    award_id     bigint NOT NULL REFERENCES milestone_award (id) ON DELETE CASCADE,
    PRIMARY KEY (milestone_id, earner_key)
);
CREATE INDEX milestone_earner_award_idx ON milestone_earner (award_id);

-- The badges an award counted (kept current as more arrive): an
-- assertion of the organisation, or an item in the earner's passport. A
-- revocation finds the awards it may undo here.
CREATE TABLE milestone_basis (
    award_id     bigint NOT NULL REFERENCES milestone_award (id) ON DELETE CASCADE,
    assertion_id bigint REFERENCES assertion (id) ON DELETE CASCADE,
    item_id      bigint REFERENCES backpack_item (id) ON DELETE CASCADE,
    CHECK ((assertion_id IS NULL) <> (item_id IS NULL))
);
CREATE UNIQUE INDEX milestone_basis_assertion_idx ON milestone_basis (assertion_id, award_id) WHERE assertion_id IS NOT NULL;
CREATE UNIQUE INDEX milestone_basis_item_idx ON milestone_basis (item_id, award_id) WHERE item_id IS NOT NULL;
CREATE INDEX milestone_basis_award_idx ON milestone_basis (award_id);
