-- The language a person reads Laurel's pages in (issue 15): an IETF tag
-- of a language package locale supports ("fi"), or NULL to follow their
-- browser's Accept-Language and then the node's default.
ALTER TABLE app_user ADD COLUMN language text CHECK (language IN ('en', 'fi', 'sv', 'fr'));
