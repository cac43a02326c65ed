-- How many assertions a badge class has, kept with it: counting them on
-- every read of the class made each hosted BadgeClass, criteria page and
-- baked image slower the more the badge was issued.
ALTER TABLE badge_class ADD COLUMN issued_count integer NOT NULL DEFAULT 0;
UPDATE badge_class b SET issued_count = (SELECT count(*) FROM assertion a WHERE a.badge_class_id = b.id);
