-- ESCO concepts the node has seen, from ESCO's API or from its bulk-download
-- CSV files, and the labels local search matches (package esco).

-- esco_concept: one row per concept URI, the newest version seen. Labels,
-- alternative labels and descriptions are keyed by ESCO's two-letter
-- language codes: {"en": "..."}, {"en": ["...", "..."]}.
CREATE TABLE esco_concept (
    uri          text PRIMARY KEY CHECK (uri ~ '^https?://' AND length(uri) <= 500),
    type         text NOT NULL CHECK (type IN ('skill', 'occupation', 'concept')),
    code         text NOT NULL DEFAULT '',
    version      text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT '',
    labels       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
    alt_labels   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(alt_labels) = 'object'),
    descriptions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(descriptions) = 'object'),
    -- source: where the row was last written from.
    source       text NOT NULL CHECK (source IN ('api', 'import')),
    -- fetched_at: when the concept was last fetched or imported;
    -- updated_at: when its content last changed.
    fetched_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- esco_label: every preferred and alternative label of every concept, one
-- row each, rewritten by package esco whenever the concept changes. norm is
-- the label as search compares it, folded by package esco rather than by
-- SQL (lower case in every script, accents removed, single spaces): the
-- server's lower() folds only ASCII under the C locale that Laurel's
-- embedded cluster uses, and unaccent is a contrib extension that not every
-- server has. type is copied from the concept so that a type filter needs
-- no join.
CREATE TABLE esco_label (
    uri      text NOT NULL REFERENCES esco_concept (uri) ON DELETE CASCADE,
    language text NOT NULL CHECK (language ~ '^[a-z]{2}$'),
    kind     text NOT NULL CHECK (kind IN ('preferred', 'alternative')),
    label    text NOT NULL,
    norm     text NOT NULL CHECK (norm <> ''),
    type     text NOT NULL,
    -- 'simple': no stemming and no stop words, so that every word of a
    -- label, in any of ESCO's 28 languages, can be found by its prefix.
    tsv      tsvector GENERATED ALWAYS AS (to_tsvector('simple', norm)) STORED,
    PRIMARY KEY (uri, language, kind, norm)
);
-- Word-prefix search ('project':* & 'manag':*) is a GIN lookup. fastupdate
-- off: labels change in bulk only on import, and a pending list would make
-- every search after an import scan it.
CREATE INDEX esco_label_tsv_idx ON esco_label USING gin (tsv) WITH (fastupdate = off);

-- esco_version_key orders ESCO versions numerically: 'v1.1.1' < 'v1.2.0' <
-- 'v1.10.0'; '' sorts first.
CREATE FUNCTION esco_version_key(version text) RETURNS numeric[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT m[1]::numeric
        FROM regexp_matches(version, '(\d+)', 'g') WITH ORDINALITY AS t(m, n)
        ORDER BY n);
