-- Model runs and the clues they produce, with evidence, subjects and status history.
CREATE TABLE run (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    model_digest TEXT NOT NULL,
    parameters_json TEXT NOT NULL,
    inputs_json TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    n_clues INTEGER NOT NULL DEFAULT 0,
    n_new INTEGER NOT NULL DEFAULT 0,
    n_gone INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    duration_ms INTEGER,
    actor TEXT NOT NULL,
    CONSTRAINT run_status_check CHECK (status IN ('running', 'succeeded', 'failed'))
);
CREATE INDEX run_model_index ON run (model_id, id);

CREATE TABLE clue (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    model_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    amount_fen INTEGER,
    fields_json TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    due_at TEXT,
    outcome TEXT,
    outcome_note TEXT,
    recovered_fen INTEGER,
    case_number TEXT,
    first_run_id INTEGER NOT NULL REFERENCES run (id),
    last_run_id INTEGER NOT NULL REFERENCES run (id),
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    gone_run_id INTEGER REFERENCES run (id),
    gone_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT clue_fingerprint_unique UNIQUE (fingerprint)
);
CREATE INDEX clue_model_status_index ON clue (model_id, status, id);
CREATE INDEX clue_status_index ON clue (status, id);

CREATE TABLE clue_subject (
    clue_id INTEGER NOT NULL REFERENCES clue (id),
    kind TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT,
    CONSTRAINT clue_subject_unique UNIQUE (clue_id, kind, identifier)
);
CREATE INDEX clue_subject_identifier_index ON clue_subject (identifier);

CREATE TABLE clue_evidence (
    clue_id INTEGER NOT NULL REFERENCES clue (id),
    run_id INTEGER NOT NULL REFERENCES run (id),
    role TEXT NOT NULL,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    row_id INTEGER NOT NULL,
    CONSTRAINT clue_evidence_unique UNIQUE (clue_id, run_id, role, row_id)
);
CREATE INDEX clue_evidence_version_index ON clue_evidence (dataset_version_id);

CREATE TABLE clue_event (
    id INTEGER PRIMARY KEY,
    clue_id INTEGER NOT NULL REFERENCES clue (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    run_id INTEGER REFERENCES run (id),
    note TEXT
);
CREATE INDEX clue_event_clue_index ON clue_event (clue_id, id);
