-- Alignments an organisation keeps for reuse, and badges flagged for review
-- when ESCO changes a concept they align to (package issuer).

-- saved_alignment: an organisation's own library of alignments ("Save as
-- template" in the badge editor, "Pick saved alignment"), one per target
-- URL. The columns are those of an Open Badges AlignmentObject.
CREATE TABLE saved_alignment (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id    bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    target_name        text NOT NULL CHECK (length(target_name) BETWEEN 1 AND 300),
    target_url         text NOT NULL CHECK (target_url ~ '^https?://'),
    target_description text NOT NULL DEFAULT '' CHECK (length(target_description) <= 5000),
    target_framework   text NOT NULL DEFAULT '' CHECK (length(target_framework) <= 300),
    target_code        text NOT NULL DEFAULT '' CHECK (length(target_code) <= 300),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, target_url)
);

-- badge_review: a badge class whose alignment to target_url needs a
-- person's look, because ESCO renamed the concept, marked it obsolete or no
-- longer has it (reason says which, for people). Flags only point at the
-- badge: nothing changes it but its creators. A badge has at most one open
-- flag per target; a resolved flag keeps its reason, so that the same
-- change is not flagged again once reviewed.
CREATE TABLE badge_review (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    badge_class_id bigint NOT NULL REFERENCES badge_class (id) ON DELETE CASCADE,
    target_url     text NOT NULL,
    reason         text NOT NULL CHECK (reason <> ''),
    created_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz
);
CREATE UNIQUE INDEX badge_review_open_idx ON badge_review (badge_class_id, target_url) WHERE resolved_at IS NULL;
CREATE INDEX badge_review_badge_idx ON badge_review (badge_class_id, target_url, reason);
