// Coded values as coloured tags and labels in the chosen language. In Chinese the server's own
// label (status_zh, severity_zh) wins; codes the UI does not know are shown as sent.

import { i18n, isChinese } from '@/i18n'
import type { AlertRuleCode, ClueStatus, JobStatus, Severity } from '@/api/types'

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

const { t, te } = i18n.global

function label(group: string, code: string | null | undefined, zh?: string): string {
  if (!code) return '—'
  if (zh && isChinese.value) return zh
  const key = `${group}.${code}`
  return te(key) ? t(key) : (zh ?? code)
}

export const statusLabel = (code: string | null | undefined, zh?: string) => label('status', code, zh)
export const severityLabel = (code: string, zh?: string) => label('severity', code, zh)
export const matchLabel = (code: string | null) => label('match', code)
export const runStatusLabel = (code: string) => label('runStatus', code)
export const actionLabel = (code: string) => label('action', code)
export const eventLabel = (code: string) => label('event', code)
export const roleLabel = (code: string) => label('role', code)
/** A security alert rule (安全预警); in Chinese the server's rule_zh. */
export const alertRuleLabel = (code: string, zh?: string) => label('alerts.rule', code, zh)

/** Role codes as the audit trail keeps them (comma-separated) → '检察官、部门负责人'. */
export function rolesText(codes: string): string {
  const list = codes.split(',').filter(Boolean)
  return list.length ? list.map(roleLabel).join(isChinese.value ? '、' : ', ') : '—'
}

/** An audit outcome (`ok`, `denied`, `failed: <why>`) as its class. */
export function outcomeClass(outcome: string): 'ok' | 'denied' | 'failed' | null {
  if (outcome === 'ok') return 'ok'
  if (outcome === 'denied') return 'denied'
  return outcome.startsWith('failed') ? 'failed' : null
}

const outcomeTags = { ok: 'success', denied: 'warning', failed: 'danger' } as const satisfies Record<string, TagType>

export const outcomeTag = (outcome: string): TagType => {
  const c = outcomeClass(outcome)
  return c ? outcomeTags[c] : 'info'
}
export const outcomeLabel = (outcome: string) => {
  const c = outcomeClass(outcome)
  return c ? t(`outcome.${c}`) : outcome
}

const statusTags: Record<ClueStatus, TagType> = {
  new: 'danger',
  assigned: 'warning',
  verifying: 'primary',
  substantiated: 'warning',
  not_substantiated: 'info',
  invalid: 'info',
  transferred: 'success',
  case_opened: 'success',
  awaiting_reply: 'primary',
  closed: 'success',
}

export const statusTag = (code: string): TagType => statusTags[code as ClueStatus] ?? 'info'

const severityTags: Record<Severity, TagType> = { high: 'danger', medium: 'warning', low: 'info' }

export const severityTag = (code: string): TagType => severityTags[code as Severity] ?? 'info'

const jobTags: Record<JobStatus, TagType> = { running: 'primary', succeeded: 'success', failed: 'danger' }

export const runStatusTag = (code: string): TagType => jobTags[code as JobStatus] ?? 'info'

/** Sign-in trouble and refusals in red, data leaving in orange, the rest calmer. */
const alertRuleTags: Record<AlertRuleCode, TagType> = {
  failed_logins: 'danger',
  denials: 'danger',
  bulk_export: 'warning',
  unmask_rate: 'warning',
  many_lookups: 'warning',
  off_hours: 'primary',
  new_client: 'info',
}

export const alertRuleTag = (code: string): TagType => alertRuleTags[code as AlertRuleCode] ?? 'info'
