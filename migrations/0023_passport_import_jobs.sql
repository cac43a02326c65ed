-- Passport imports run as River jobs (package passport): an upload's badge
-- files wait here, each until it is verified, and its outcome stays for the
-- page and the API to show. One import at a time per person.
CREATE TABLE passport_import (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    user_id     bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE UNIQUE INDEX passport_import_one_at_a_time ON passport_import (user_id) WHERE state IN ('queued', 'running');
CREATE INDEX passport_import_user_idx ON passport_import (user_id, id DESC);

CREATE TABLE passport_import_file (
    import_id  bigint NOT NULL REFERENCES passport_import (id) ON DELETE CASCADE,
    position   int NOT NULL,
    name       text NOT NULL,
    data       bytea, -- until the file is verified
    visibility text NOT NULL DEFAULT '',
    outcome    text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    item_uuid  uuid,
    PRIMARY KEY (import_id, position)
);
