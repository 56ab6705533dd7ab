-- The audit trail (事后追溯): one row per use of the system, hash-chained (procura-audit).
-- Append-only: triggers reject UPDATE and DELETE. `audit_head` is the single row every
-- append updates first, which serialises appenders (the chain never forks); verification
-- never trusts it.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    account TEXT NOT NULL,
    roles TEXT NOT NULL,
    client TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    purpose TEXT NOT NULL,
    detail TEXT NOT NULL,
    alg TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_account_index ON audit_log (account, seq);
CREATE INDEX audit_log_action_index ON audit_log (action, seq);
CREATE INDEX audit_log_at_index ON audit_log (at);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
