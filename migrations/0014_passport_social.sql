-- The social side of the passport (package passport): people endorsing,
-- congratulating and commenting on each other's public badges, and asking
-- for endorsements. Between nodes every step is an activity
-- (docs/FEDERATION.md, "Passport"); when both people are on this node one
-- row serves both sides.

-- A person's endorsement of someone else's earned badge: an Open Badges
-- Endorsement whose claim.id is the badge's assertion. The row is hosted
-- here when the endorser is ours (endorser_user set; endorsement_id is our
-- /ob/person-endorsements/{uuid}) and received when the earner is ours
-- (item_id set). state is the earner's answer, which the endorser's node
-- learns from Accept or Reject; answered_at orders answers. A deleted
-- endorsement stays, answering 410 at its id.
CREATE TABLE person_endorsement (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid             uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    endorsement_id   text NOT NULL UNIQUE,
    endorser_actor   text NOT NULL,
    endorser_name    text NOT NULL DEFAULT '',
    endorser_profile text NOT NULL, -- the Endorsement's issuer
    endorser_user    bigint REFERENCES app_user (id) ON DELETE CASCADE,
    assertion_id     text NOT NULL, -- claim.id
    badge_page       text NOT NULL, -- the earner's public page of the badge
    badge_name       text NOT NULL DEFAULT '',
    earner_actor     text NOT NULL,
    earner_name      text NOT NULL DEFAULT '',
    item_id          bigint REFERENCES backpack_item (id) ON DELETE CASCADE,
    comment          text NOT NULL CHECK (char_length(comment) BETWEEN 5 AND 5000), -- Markdown
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined')),
    issued_on        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    answered_at      timestamptz,
    deleted_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX person_endorsement_once ON person_endorsement (endorser_actor, assertion_id) WHERE deleted_at IS NULL;
CREATE INDEX person_endorsement_item_idx ON person_endorsement (item_id, state) WHERE deleted_at IS NULL;
CREATE INDEX person_endorsement_endorser_idx ON person_endorsement (endorser_user, created_at DESC);

-- An earner asking someone to endorse one of their public badges: a person
-- of this node or another (target is the actor id), or anyone by email
-- (target is mailto:address). Sent across nodes as a direct mention; the
-- asked person's node keeps a row with target_user set.
CREATE TABLE person_endorsement_request (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    request_id      text NOT NULL, -- the Create of the request's Note
    requester_actor text NOT NULL,
    requester_name  text NOT NULL DEFAULT '',
    item_id         bigint REFERENCES backpack_item (id) ON DELETE CASCADE, -- when the requester is ours
    badge_page      text NOT NULL,
    badge_name      text NOT NULL DEFAULT '',
    target          text NOT NULL,
    target_name     text NOT NULL DEFAULT '',
    target_user     bigint REFERENCES app_user (id) ON DELETE CASCADE, -- when the asked person is ours
    message         text NOT NULL DEFAULT '' CHECK (char_length(message) <= 1000),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'endorsed', 'declined')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (request_id, target)
);
CREATE UNIQUE INDEX person_endorsement_request_once ON person_endorsement_request (item_id, target) WHERE item_id IS NOT NULL;
CREATE INDEX person_endorsement_request_target_idx ON person_endorsement_request (target_user, state);

-- "Congratulate!": once per person and badge, as a Like of the badge's
-- public page.
CREATE TABLE passport_like (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    like_id      text NOT NULL UNIQUE,
    actor        text NOT NULL,
    actor_name   text NOT NULL DEFAULT '',
    user_id      bigint REFERENCES app_user (id) ON DELETE CASCADE, -- when the person is ours
    item_id      bigint REFERENCES backpack_item (id) ON DELETE CASCADE, -- when the badge is ours
    badge_page   text NOT NULL,
    earner_actor text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor, badge_page)
);
CREATE INDEX passport_like_item_idx ON passport_like (item_id);

-- Comments on a public badge, as Notes in reply to its page; content is
-- plain text. The author deletes one everywhere, the earner on their node.
CREATE TABLE passport_comment (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid         uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    note_id      text NOT NULL UNIQUE,
    author_actor text NOT NULL,
    author_name  text NOT NULL DEFAULT '',
    author_user  bigint REFERENCES app_user (id) ON DELETE CASCADE, -- when the author is ours
    item_id      bigint REFERENCES backpack_item (id) ON DELETE CASCADE, -- when the badge is ours
    badge_page   text NOT NULL,
    earner_actor text NOT NULL,
    content      text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 2000),
    published    timestamptz NOT NULL,
    deleted_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX passport_comment_item_idx ON passport_comment (item_id, published DESC) WHERE deleted_at IS NULL;
CREATE INDEX passport_comment_author_idx ON passport_comment (author_user);

-- Endorsements and comments deleted before we heard of them (a Delete that
-- overtook its Create): the late Create must not bring them back.
CREATE TABLE passport_tombstone (
    object_id  text PRIMARY KEY,
    actor      text NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
