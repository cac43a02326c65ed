-- An earner may announce their new public badges to their followers, as a
-- public Note; announced_at keeps each badge announced at most once.
ALTER TABLE app_user ADD COLUMN announce_badges boolean NOT NULL DEFAULT false;
ALTER TABLE backpack_item ADD COLUMN announced_at timestamptz;
