-- A person's decisions on record pairs (entity linkage review), and the match strength of clues.
CREATE TABLE link_judgement (
    id INTEGER PRIMARY KEY,
    left_key TEXT NOT NULL,
    right_key TEXT NOT NULL,
    same INTEGER NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT,
    CONSTRAINT link_judgement_pair_unique UNIQUE (left_key, right_key)
);

ALTER TABLE clue ADD COLUMN match_strength TEXT;
