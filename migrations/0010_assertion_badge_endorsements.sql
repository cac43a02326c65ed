-- The endorsements of its badge class that held when an assertion was
-- issued: its baked copy keeps them, as Open Badge Factory's do, even if
-- an endorsement is withdrawn later.
ALTER TABLE assertion ADD COLUMN badge_endorsements jsonb NOT NULL DEFAULT '[]';
