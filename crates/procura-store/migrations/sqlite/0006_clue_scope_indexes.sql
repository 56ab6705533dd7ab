-- Indexes for a department's clue list with a million clues: sorted by amount or deadline,
-- counted per status, and the "assigned to me elsewhere" half of a user's scope.
CREATE INDEX clue_department_amount_index ON clue (department_id, amount_fen, id);
CREATE INDEX clue_department_due_index ON clue (department_id, due_at, id);
CREATE INDEX clue_department_status_index ON clue (department_id, status, gone_run_id);
CREATE INDEX clue_assignee_department_index ON clue (assignee, department_id, id);
-- Superseded by clue_assignee_department_index (it led the planner to walk all of a user's clues).
DROP INDEX clue_assignee_index;
