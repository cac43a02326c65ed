-- Open Badges 3.0 credentials in the backpack (package passport), kept
-- beside the 2.0 documents of the same item: an item holds a 2.0
-- assertion, a 3.0 OpenBadgeCredential, or both (a badge issued in both
-- standards). For an item with a credential only, assertion_id is the
-- credential's id.
--   credential:      the credential as verified (the payload of a VC-JWT);
--                    '{}' when the item has none.
--   credential_json: the signed JSON exactly as received, to check again
--                    and export; '' when it came only as a VC-JWT.
--   credential_jwt:  the VC-JWT as received, when it came as one.
--   credential_url:  where an arrival's credential is fetched from
--                    (the credential Link of the announcing Note).
ALTER TABLE backpack_item
    ADD COLUMN credential      jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN credential_json text NOT NULL DEFAULT '',
    ADD COLUMN credential_jwt  text NOT NULL DEFAULT '',
    ADD COLUMN credential_url  text NOT NULL DEFAULT '';
CREATE INDEX backpack_item_credential_idx ON backpack_item (user_id, (credential ->> 'id'))
    WHERE credential <> '{}';
