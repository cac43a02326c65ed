-- Criteria page templates (package criteria): Markdown with placeholders
-- ({badge}, {issuer}, {alignments}) that the badge editor fills into a
-- badge's criteria narrative.
CREATE TABLE criteria_template (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX criteria_template_name_idx ON criteria_template (organisation_id, lower(name));

-- Email templates (package mailtemplate): an organisation's own subject
-- and body for a kind of email in a language (a BCP 47 tag as
-- golang.org/x/text/language writes it). Without one, Laurel's default
-- text is sent. is_default marks the template used when the sender names
-- no language.
CREATE TABLE email_template (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('claim')),
    language        text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    is_default      boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, kind, language)
);
CREATE UNIQUE INDEX email_template_default_idx ON email_template (organisation_id, kind) WHERE is_default;
