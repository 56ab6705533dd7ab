-- Documents attached to a clue during verification (the file itself is content-addressed in
-- the workspace's attachments/ directory).
CREATE TABLE clue_attachment (
    id INTEGER PRIMARY KEY,
    clue_id INTEGER NOT NULL REFERENCES clue (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    digest TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX clue_attachment_clue_index ON clue_attachment (clue_id, id);
