-- The issuer's page of an issued badge (/badges/{uuid}) sends people to
-- the earner's public page of it when there is one: looked up by the
-- assertion's id on every view.
CREATE INDEX backpack_item_public_assertion_idx ON backpack_item (assertion_id)
    WHERE state = 'accepted' AND visibility = 'public';
