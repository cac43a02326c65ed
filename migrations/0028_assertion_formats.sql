-- ob2: the assertion was issued as an Open Badges 2.0 Assertion too, and
-- is served as one. An organisation that issues Open Badges 3.0 only
-- (credential_formats '{ob3}') publishes the credential alone; fixed when
-- issued, so that changing the formats later changes no badge already
-- given. Assertions issued before formats existed were 2.0 badges.
ALTER TABLE assertion ADD COLUMN ob2 boolean NOT NULL DEFAULT true;
