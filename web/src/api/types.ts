// Types of the Procura web API (see API.md). Times are RFC 3339 strings, money is integer 分.

/** Every role code, in the order forms list them; labels live in i18n (`role.<code>`). */
export const ROLES = ['procurator', 'dept_head', 'data_admin', 'model_admin', 'sys_admin', 'security_admin', 'auditor'] as const

export type Role = (typeof ROLES)[number]

/** The separated administrators (三员分立): none of them may be combined with any other role. */
export const SEPARATED_ADMINS: readonly Role[] = ['sys_admin', 'security_admin', 'auditor']

export interface ApiErrorBody {
  error: { code: string; message: string }
}

export interface Page<T> {
  total: number
  /** False when more rows match than the server counts (10,000); `total` is then a lower bound. */
  total_exact?: boolean
  page: number
  page_size: number
  items: T[]
}

// ---- Auth ----

export interface Department {
  id: number
  name: string
}

export interface Me {
  id: number
  username: string
  display_name: string
  roles: Role[]
  department: Department | null
  office: string
  must_change_password: boolean
}

export interface Session {
  user: Me
  csrf_token: string
}

export interface LoginRequest {
  username: string
  password: string
}

export interface ChangePasswordRequest {
  old_password: string
  new_password: string
}

// ---- Clues ----

export type ClueStatus =
  | 'new'
  | 'assigned'
  | 'verifying'
  | 'substantiated'
  | 'not_substantiated'
  | 'invalid'
  | 'transferred'
  | 'case_opened'
  | 'awaiting_reply'
  | 'closed'
export type Severity = 'high' | 'medium' | 'low'
export type MatchStrength = 'exact' | 'strong' | 'probable'

export interface ClueSummary {
  id: number
  model_id: string
  model_name: string
  area: string | null
  title: string
  severity: Severity
  severity_zh: string
  amount_fen: number | null
  status: ClueStatus
  status_zh: string
  assignee: string | null
  assignee_name: string | null
  department: string | null
  due_at: string | null
  overdue: boolean
  first_seen_at: string
  last_seen_at: string
  gone: boolean
  match_strength: MatchStrength | null
}

export type ClueSort = 'id' | '-id' | 'amount' | '-amount' | 'first_seen' | '-first_seen' | 'due' | '-due'

/** Query parameters of GET /api/clues; every one optional, all filtering is done by the server. */
export interface ClueQuery {
  model?: string
  area?: string
  status?: string
  severity?: string
  assignee?: string
  from?: string
  to?: string
  min_amount_fen?: number
  max_amount_fen?: number
  q?: string
  mine?: 1
  overdue?: 1
  sort?: ClueSort
  page?: number
  page_size?: number
}

export interface CodeLabel {
  code: string
  zh: string
  en: string
}

export interface Assignee {
  username: string
  display_name: string
}

export interface ClueOptions {
  statuses: CodeLabel[]
  areas: string[]
  models: { id: string; name: string }[]
  severities: CodeLabel[]
  acts: string[]
  no_case_reasons: string[]
  assignees: Assignee[]
}

export interface LegalBasis {
  law: string
  article: string
}

export interface ClueModel {
  id: string
  version: number | string
  name_zh: string
  name_en: string
  area: string
  supervision_point: string
  description: string
  legal_basis: LegalBasis[]
  follow_up: string
}

export interface Subject {
  kind: 'person' | 'org'
  identifier: string
  name: string | null
}

export interface Evidence {
  role: string
  dataset: string
  version: number | string
  columns: string[]
  /** The agency's own header per column (Procura's Chinese names for its own columns). */
  labels: string[]
  rows: string[][]
  highlight: string[]
}

export interface ClueEvent {
  at: string
  actor: string
  action: string
  from_status: ClueStatus | null
  to_status: ClueStatus | null
  note: string | null
}

export interface ClueComment {
  id: number
  at: string
  author: string
  author_name: string
  text: string
}

export interface Outcome {
  category: 'case' | 'no_case'
  act: string | null
  reason: string | null
  note: string | null
}

export type ClueAction = 'assign' | 'accept' | 'comment' | 'conclude' | 'reopen' | 'invalidate'

export interface ClueDetail {
  clue: ClueSummary
  /** null when the model that found the clue is no longer installed. */
  model: ClueModel | null
  fields: Record<string, unknown>
  subjects: Subject[]
  evidence: Evidence[]
  events: ClueEvent[]
  comments: ClueComment[]
  outcome: Outcome | null
  stage_due_at: string | null
  overdue: boolean
  allowed_actions: ClueAction[]
  attachments: ClueAttachment[]
  /** 线索说明: the model's rule stated against this clue's evidence (Chinese). */
  explanation: string[]
  /** The agency's header for a named value, when it shows one column's value. */
  field_labels: Record<string, string>
}

export interface ClueAttachment {
  id: number
  file_name: string
  content_type: string
  size: number
  author_name: string
  at: string
  /** Same-origin download URL (served as an attachment). */
  url: string
}

export interface AssignRequest {
  assignee: string
  note?: string
}

export interface NoteRequest {
  note?: string
}

export interface CommentRequest {
  text: string
}

export type ConcludeRequest =
  | { category: 'case'; act: string; note: string }
  | { category: 'no_case'; reason: string; note: string }

export interface ReasonRequest {
  reason: string
}

// ---- Home ----

export interface StatusCount {
  status: ClueStatus
  status_zh: string
  count: number
}

export type RunStatus = 'running' | 'succeeded' | 'failed'

export interface Run {
  id: number
  model_id: string
  status: RunStatus
  n_clues: number
  n_new: number
  n_gone: number
  started_at: string
  duration_ms: number | null
  actor: string
  error: string | null
}

export interface Home {
  by_status: StatusCount[]
  due_soon: ClueSummary[]
  overdue: number
  recent_runs: Run[]
}

// ---- Data ----

export interface DatasetSummary {
  name: string
  latest_version: number
  rows: number
  columns: number
  created_at: string
  created_by: string
  source: string
}

export interface DatasetVersion {
  version: number
  rows: number
  /** Rows refused at import (sent by the server beyond API.md). */
  rejected?: number
  created_at: string
  created_by: string
  source: string
  digest: string
}

export interface DatasetColumn {
  name: string
  field_type: string
  field_type_zh: string
  /** The source header (sent by the server beyond API.md). */
  source?: string
}

export interface Location {
  file: string
  row: number | null
  column: string | null
}

export interface IssueExample {
  location: Location
  code: string
  value: string
  message: string
}

export interface IssueSummary {
  counts: Record<string, number>
  examples: IssueExample[]
}

export interface FileQuality {
  file: string
  format: string
  encoding: string | null
  delimiter: string | null
  sheet: string | null
  header_row: number
  title_rows: number[]
  rows_read: number
  rows_kept: number
  rows_rejected: number
  blank_rows: number
  missing_columns: string[]
  notes: string[]
}

export interface ColumnQuality {
  name: string
  source: string
  field_type: string
  unit: string | null
  filled: number
  empty: number
  valid: number
  invalid: number
  issues: IssueSummary
  notes: Record<string, number>
}

export interface DuplicateKeys {
  column: string
  distinct: number
  duplicates: number
}

export interface QualityReport {
  files: FileQuality[]
  rows_read: number
  rows_kept: number
  rows_rejected: number
  blank_rows: number
  rejected: IssueSummary
  columns: ColumnQuality[]
  duplicate_rows: number
  duplicate_keys: DuplicateKeys[]
}

export interface DatasetDetail {
  name: string
  versions: DatasetVersion[]
  columns: DatasetColumn[]
  quality: QualityReport | null
}

export interface ColumnMapping {
  source: string
  name: string
  field_type: string
  unit: string | null
  skip: boolean
}

export interface FieldTypeOption {
  code: string
  zh: string
}

export interface Upload {
  upload_id: string
  file_name: string
  size: number
  mapping: ColumnMapping[]
  field_types: FieldTypeOption[]
  sheets?: string[]
}

export interface IngestRequest {
  upload_id: string
  dataset: string
  mapping: ColumnMapping[]
}

/** Job ids are opaque: the server may send a number or a string. */
export type JobId = number | string

export interface JobStarted {
  job_id: JobId
}

export type JobStatus = 'running' | 'succeeded' | 'failed'

export interface Job {
  id: JobId
  kind: 'ingest' | 'run'
  status: JobStatus
  progress: number
  message: string
  result: Record<string, unknown> | null
  error: string | null
}

// ---- Models ----

export type ParamValue = number | string | string[] | null

export interface ModelParameter {
  name: string
  type: 'integer' | 'number' | 'date' | 'text' | 'text_list' | 'boolean'
  /** Typed, or as text (numbers as digits, lists comma-separated, an empty date = the day of the run). */
  default: ParamValue
  min: number | null
  max: number | null
  description: string
  /** A fixed set of values (a dropdown), each with its Chinese label; empty when any text goes. */
  choices: { value: string; label: string }[]
}

export interface ModelRole {
  name: string
  description: string
  fields: string[]
  dataset: string | null
}

export interface Effectiveness {
  clues: number
  verified: number
  cases: number
  case_rate: number | null
}

export interface Model extends ClueModel {
  /** The model this one is a variant of: `M05@1.0.0 (digest prefix)`; null for a model written from scratch. */
  derived_from: string | null
  parameters: ModelParameter[]
  roles: ModelRole[]
  effectiveness: Effectiveness
}

/** A notice in Chinese and English. */
export interface Notice {
  zh: string
  en: string
}

/** What a run would say before it runs: fields bound by type, optional fields left empty, entity linkage. */
export interface RunPlan {
  notices: Notice[]
}

export interface RunRequest {
  /** Values as text or numbers; a text_list is comma-separated. */
  params: Record<string, string | number>
  bindings: Record<string, string>
}

// ---- Model builder ----

export type BuilderPattern = 'status_conflict' | 'missing_follow_up' | 'interval_overlap' | 'repetition' | 'same_day' | 'ratio'

export interface BuilderPatternChoice {
  code: string
  label: string
}

export interface BuilderDataset {
  name: string
  columns: DatasetColumn[]
}

export interface BuilderOptions {
  patterns: BuilderPatternChoice[]
  operators: string[]
  datasets: BuilderDataset[]
  areas: string[]
}

export interface DraftFilter {
  column: string
  op: string
  value: string
}

/** One side of the collision: the dataset, the column to match on and the columns the pattern needs. */
export interface DraftInput {
  dataset: string
  key: string
  date?: string
  end?: string
  quantity?: string
  filters?: DraftFilter[]
}

/** The builder form as POST /api/builder/preview and /api/builder/models read it. */
export interface ModelDraft {
  id: string
  name_zh: string
  name_en?: string
  area: string
  supervision_point?: string
  description?: string
  legal_basis?: { law: string; article?: string }[]
  follow_up?: string[]
  pattern: BuilderPattern
  primary: DraftInput
  secondary?: DraftInput | null
  days?: number
  min_count?: number
  min_ratio?: number
  severity?: Severity
}

export interface BuilderPreview {
  /** The generated model definition (TOML). */
  manifest: string
  hits: number
  /** The first hits. */
  sample: { title: string; severity: Severity; amount_fen: number | null }[]
}

export interface SavedModel {
  id: string
}

/** POST /api/models/{id}/derive: a variant (派生变体) of the model with new parameter defaults. */
export interface DeriveRequest {
  id: string
  name_zh: string
  name_en: string
  /** New defaults by parameter name; null (left empty) or a value equal to the base's default changes nothing. */
  params: Record<string, string | number | null>
}

export interface DerivedModel {
  model: Model
  /** What changed, one line each, Chinese first. */
  changes: string[]
  /** The base's fixture tests left out because the new defaults make them fail. */
  dropped_tests: string[]
}

// ---- Separated administrators (三员分立) ----

/** GET /api/users (系统管理员, 安全保密管理员). */
export interface UserAccount {
  id: number
  username: string
  display_name: string
  roles: Role[]
  /** Department name. */
  department: string | null
  disabled: boolean
  /** Locked until this time (after failed sign-ins); may lie in the past. */
  locked: string | null
}

export interface DepartmentInfo {
  id: number
  name: string
  areas: string[]
}

export interface NewUserRequest {
  username: string
  display_name: string
  roles: Role[]
  /** Department name. */
  department: string | null
}

export interface CreatedUser {
  user: UserAccount
  one_time_password: string | null
}

export type AccountAction = 'disable' | 'enable' | 'reset_password'

export interface AccountChanged {
  /** Set only after reset_password. */
  one_time_password: string | null
}

export interface Grant {
  id: number
  username: string
  department: string
  granted_by: string
  reason: string
  granted_at: string
  expires_at: string
  revoked_at: string | null
}

export interface GrantRequest {
  username: string
  department: string
  reason: string
  days: number
}

export interface CreatedId {
  id: number
}

/** Query parameters of GET /api/audit; every one optional. */
export interface AuditQuery {
  account?: string
  /** An exact code, or a prefix ending in `.` (`clue.`). */
  action?: string
  /** Text within the object. */
  object?: string
  outcome?: AuditOutcome
  /** RFC 3339 or YYYY-MM-DD; `until` is exclusive. */
  from?: string
  until?: string
  /** Only records with a smaller sequence number (the next, older page). */
  before?: number
  /** 1–1000, default 100. */
  limit?: number
}

export type AuditOutcome = 'ok' | 'denied' | 'failed'

export interface AuditRecord {
  seq: number
  at: string
  account: string
  /** Role codes at the time, comma-separated. */
  roles: string
  client: string
  action: string
  action_zh: string
  object: string
  /** `ok`, `denied`, or `failed: <why>`. */
  outcome: string
  purpose: string
  /** JSON text. */
  detail: string
}

export interface AuditAction {
  code: string
  zh: string
}

export interface AuditVerdict {
  ok: boolean
  records: number
  checkpoints: number
  anchored_size: number
  first_bad_seq: number | null
  reason: string | null
  /** Hex. */
  public_key: string
}

// ---- Security alerts (安全预警, 事前预警) ----

/** GET /api/alerts?status=: only the unacknowledged alerts, or all of them. */
export type AlertStatusFilter = 'open' | 'all'

/** The rules the server knows; other codes are shown as the server names them. */
export const ALERT_RULES = [
  'bulk_export',
  'off_hours',
  'many_lookups',
  'unmask_rate',
  'failed_logins',
  'denials',
  'new_client',
] as const

export type AlertRuleCode = (typeof ALERT_RULES)[number]

/** An alert raised by a rule over the audit trail (安全保密管理员 acknowledges, 安全审计员 reads). */
export interface SecurityAlert {
  id: number
  rule: string
  rule_zh: string
  /** The account it concerns. */
  account: string
  /** The client address of the record that raised it. */
  client: string
  /** When it was raised (the time of that record), RFC 3339 UTC. */
  at: string
  /** The audit records it rests on. */
  first_seq: number
  last_seq: number
  /** What happened, one Chinese sentence ("15 分钟内 6 次登录失败"). */
  detail: string
  acknowledged_by: string | null
  acknowledged_at: string | null
  note: string | null
}

/** POST /api/alerts/{id}/ack (security_admin). */
export interface AlertAckRequest {
  /** Required, at most 200 characters. */
  note: string
}

/** One rule's settings: GET /api/alert-rules, and POST /api/alert-rules takes all of them back. */
export interface AlertRule {
  rule: string
  rule_zh: string
  description_zh: string
  enabled: boolean
  /** The count (or, for bulk_export, rows) at which it fires; ≥ 1. Unused by off_hours and new_client. */
  threshold: number
  /** The window the count covers, 1–1440 minutes. Unused by new_client. */
  window_minutes: number
  /** off_hours only: working hours in office time (UTC+8), 0–24; access outside them is flagged. */
  start_hour: number
  end_hour: number
}
