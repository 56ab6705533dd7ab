-- What the run told the person before it ran: fields bound by type, optional fields left
-- empty, roles joined through entity linkage (a JSON array of texts, Chinese first).
ALTER TABLE run ADD COLUMN notices_json TEXT NOT NULL DEFAULT '[]';
