-- Early warning (事前预警): alerts raised by rules over the audit trail, the security
-- administrator's settings for those rules, and how far the trail has been scanned.
CREATE TABLE alert (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    account TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    detail TEXT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    note TEXT
);
CREATE INDEX alert_rule_account_index ON alert (rule, account, at);

CREATE TABLE alert_rule (
    rule TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    window_minutes INTEGER NOT NULL,
    start_hour INTEGER NOT NULL,
    end_hour INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE alert_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO alert_cursor (id, seq) VALUES (1, 0);
