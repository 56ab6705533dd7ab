-- Users, departments and sessions for the web workbench; the clue workflow's routing,
-- comments and outcomes.
CREATE TABLE department (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT department_name_unique UNIQUE (name)
);

-- Which department handles the clues of a supervision area (one department per area).
CREATE TABLE department_area (
    area TEXT PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES department (id)
);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    department_id INTEGER REFERENCES department (id),
    disabled INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT app_user_username_unique UNIQUE (username)
);

CREATE TABLE user_session (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX user_session_user_index ON user_session (user_id);

-- Cross-department access to clues, granted by a department head or security administrator.
CREATE TABLE access_grant (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    department_id INTEGER NOT NULL REFERENCES department (id),
    granted_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX access_grant_user_index ON access_grant (user_id);

CREATE TABLE clue_comment (
    id INTEGER PRIMARY KEY,
    clue_id INTEGER NOT NULL REFERENCES clue (id),
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX clue_comment_clue_index ON clue_comment (clue_id, id);

ALTER TABLE clue ADD COLUMN area TEXT;
ALTER TABLE clue ADD COLUMN department_id INTEGER REFERENCES department (id);
ALTER TABLE clue ADD COLUMN outcome_act TEXT;
ALTER TABLE clue ADD COLUMN outcome_reason TEXT;
CREATE INDEX clue_department_index ON clue (department_id, id);
CREATE INDEX clue_assignee_index ON clue (assignee, id);
CREATE INDEX clue_due_index ON clue (due_at);
