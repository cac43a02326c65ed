-- An organisation's image library (package imagelib): uploaded PNG and SVG
-- images, checked as badge images are, and images made with the badge
-- designer, which keep their parameters (design) so they can be edited.
CREATE TABLE library_image (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- tags: lower case, without duplicates.
    tags            text[] NOT NULL DEFAULT '{}',
    image           bytea NOT NULL,
    image_type      text NOT NULL CHECK (image_type IN ('image/png', 'image/svg+xml')),
    -- design: the designer.Design it was drawn from; NULL for an upload.
    design          jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Names are unique in an organisation's library, whatever their case.
CREATE UNIQUE INDEX library_image_name_idx ON library_image (organisation_id, lower(name));
CREATE INDEX library_image_tags_idx ON library_image USING gin (tags);

-- A badge class that took its image from the library. The badge holds its
-- own copy of the bytes (badge_class.image), so that editing or deleting
-- the library image never changes a badge already issued; this row only
-- says where the copy came from, with the SHA-256 of what was copied.
CREATE TABLE library_image_use (
    badge_class_id  bigint PRIMARY KEY REFERENCES badge_class (id) ON DELETE CASCADE,
    image_id        bigint NOT NULL REFERENCES library_image (id) ON DELETE CASCADE,
    image_sha256    bytea NOT NULL,
    used_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX library_image_use_image_idx ON library_image_use (image_id);
