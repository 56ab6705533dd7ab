// One function per endpoint of API.md.

import { request, uploadFile, type Query } from './http'
import type {
  AccountAction,
  AccountChanged,
  AlertAckRequest,
  AlertRule,
  AlertStatusFilter,
  AssignRequest,
  AuditAction,
  AuditQuery,
  AuditRecord,
  AuditVerdict,
  BuilderOptions,
  BuilderPreview,
  ChangePasswordRequest,
  ClueDetail,
  ClueOptions,
  ClueQuery,
  ClueSummary,
  CommentRequest,
  ConcludeRequest,
  CreatedId,
  CreatedUser,
  DatasetDetail,
  DatasetSummary,
  DepartmentInfo,
  DeriveRequest,
  DerivedModel,
  Grant,
  GrantRequest,
  Home,
  IngestRequest,
  Job,
  JobId,
  JobStarted,
  LoginRequest,
  Model,
  ModelDraft,
  NewUserRequest,
  NoteRequest,
  Page,
  ReasonRequest,
  Run,
  RunPlan,
  RunRequest,
  SavedModel,
  SecurityAlert,
  Session,
  Upload,
  UserAccount,
} from './types'

const seg = encodeURIComponent

export const api = {
  login: (body: LoginRequest) => request<Session>('POST', '/login', { body }),
  logout: () => request<void>('POST', '/logout'),
  me: () => request<Session>('GET', '/me'),
  changePassword: (body: ChangePasswordRequest) => request<void>('POST', '/me/password', { body }),

  home: () => request<Home>('GET', '/home'),

  clues: (query: ClueQuery) => request<Page<ClueSummary>>('GET', '/clues', { query: query as Query }),
  clueOptions: () => request<ClueOptions>('GET', '/clue-options'),
  clue: (id: number) => request<ClueDetail>('GET', `/clues/${id}`),
  /** The clue with ID and phone numbers in full, for a stated purpose (recorded). */
  clueUnmasked: (id: number, purpose: string) =>
    request<ClueDetail>('GET', `/clues/${id}`, { query: { unmask: 'true' }, purpose }),
  assign: (id: number, body: AssignRequest) => request<ClueDetail>('POST', `/clues/${id}/assign`, { body }),
  accept: (id: number, body: NoteRequest) => request<ClueDetail>('POST', `/clues/${id}/accept`, { body }),
  comment: (id: number, body: CommentRequest) => request<ClueDetail>('POST', `/clues/${id}/comments`, { body }),
  conclude: (id: number, body: ConcludeRequest) => request<ClueDetail>('POST', `/clues/${id}/conclude`, { body }),
  reopen: (id: number, body: ReasonRequest) => request<ClueDetail>('POST', `/clues/${id}/reopen`, { body }),
  invalidate: (id: number, body: ReasonRequest) => request<ClueDetail>('POST', `/clues/${id}/invalidate`, { body }),
  attach: (id: number, file: File, onProgress: (percent: number, event: ProgressEvent) => void) =>
    uploadFile<ClueDetail>(`/clues/${id}/attachments`, file, onProgress),

  datasets: () => request<DatasetSummary[]>('GET', '/datasets'),
  dataset: (name: string) => request<DatasetDetail>('GET', `/datasets/${seg(name)}`),
  upload: (file: File, onProgress: (percent: number, event: ProgressEvent) => void) =>
    uploadFile<Upload>('/uploads', file, onProgress),
  ingest: (body: IngestRequest) => request<JobStarted>('POST', '/ingests', { body }),
  job: (id: JobId) => request<Job>('GET', `/jobs/${seg(String(id))}`),

  models: () => request<Model[]>('GET', '/models'),
  runModel: (id: string, body: RunRequest) => request<JobStarted>('POST', `/models/${seg(id)}/runs`, { body }),
  planRun: (id: string, body: RunRequest) => request<RunPlan>('POST', `/models/${seg(id)}/plan`, { body }),
  deriveModel: (id: string, body: DeriveRequest) => request<DerivedModel>('POST', `/models/${seg(id)}/derive`, { body }),
  runs: (model?: string) => request<Run[]>('GET', '/runs', { query: { model } }),

  builderOptions: () => request<BuilderOptions>('GET', '/builder/options'),
  builderPreview: (body: ModelDraft) => request<BuilderPreview>('POST', '/builder/preview', { body }),
  builderSave: (body: ModelDraft) => request<SavedModel>('POST', '/builder/models', { body }),

  users: () => request<UserAccount[]>('GET', '/users'),
  addUser: (body: NewUserRequest) => request<CreatedUser>('POST', '/users', { body }),
  changeUser: (username: string, action: AccountAction) =>
    request<AccountChanged>('POST', `/users/${seg(username)}`, { body: { action } }),
  departments: () => request<DepartmentInfo[]>('GET', '/departments'),

  grants: () => request<Grant[]>('GET', '/grants'),
  grant: (body: GrantRequest) => request<CreatedId>('POST', '/grants', { body }),
  revokeGrant: (id: number) => request<void>('POST', `/grants/${id}/revoke`, { body: {} }),

  audit: (query: AuditQuery) => request<AuditRecord[]>('GET', '/audit', { query: query as Query }),
  auditActions: () => request<AuditAction[]>('GET', '/audit/actions'),
  auditVerify: () => request<AuditVerdict>('POST', '/audit/verify', { body: {} }),

  alerts: (status: AlertStatusFilter = 'open', background = false) =>
    request<SecurityAlert[]>('GET', '/alerts', { query: { status }, background }),
  ackAlert: (id: number, body: AlertAckRequest) => request<void>('POST', `/alerts/${id}/ack`, { body }),
  alertRules: () => request<AlertRule[]>('GET', '/alert-rules'),
  saveAlertRules: (rules: AlertRule[]) => request<void>('POST', '/alert-rules', { body: rules }),
}
