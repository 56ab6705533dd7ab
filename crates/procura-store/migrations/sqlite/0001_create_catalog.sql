-- The catalog: datasets and their immutable versions.
CREATE TABLE dataset (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    dropped_at TEXT,
    dropped_by TEXT
);
-- A name is unique among live datasets; a dropped dataset frees its name.
CREATE UNIQUE INDEX dataset_name_live_unique ON dataset (name) WHERE dropped_at IS NULL;

CREATE TABLE dataset_version (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES dataset (id),
    version INTEGER NOT NULL,
    path TEXT NOT NULL,
    digest TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    n_rows INTEGER NOT NULL,
    n_rejected INTEGER NOT NULL,
    source TEXT NOT NULL,
    columns_json TEXT NOT NULL,
    mapping_toml TEXT NOT NULL,
    quality_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    -- Set when the file was removed after a drop (files cited by evidence are never removed).
    purged_at TEXT,
    CONSTRAINT dataset_version_unique UNIQUE (dataset_id, version),
    CONSTRAINT dataset_version_path_unique UNIQUE (path)
);
