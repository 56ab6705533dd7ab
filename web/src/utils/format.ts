// Display formats: local 'YYYY-MM-DD HH:mm' times, ¥ amounts from 分, grouped numbers.

const DASH = '—'
const pad = (n: number) => String(n).padStart(2, '0')

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return DASH
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Local 'YYYY-MM-DD HH:mm:ss' (the audit trail). */
export function formatDateTimeSeconds(value: string | null | undefined): string {
  if (!value) return DASH
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  return `${formatDateTime(value)}:${pad(d.getSeconds())}`
}

/** The local day 'YYYY-MM-DD' of an instant (an RFC 3339 string or epoch milliseconds). */
export function localDay(value: string | number): string {
  const d = new Date(value)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Local midnight of a 'YYYY-MM-DD' day, `plusDays` later, as an RFC 3339 UTC instant. */
export function localDayStart(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d + plusDays).toISOString()
}

const yuan = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** 123450 分 → ¥1,234.50 */
export function formatFen(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return DASH
  return `¥${yuan.format(fen / 100)}`
}

const grouped = new Intl.NumberFormat('zh-CN')

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : grouped.format(n)
}

/** 0.1234 → 12.3% */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? DASH : `${(rate * 100).toFixed(1)}%`
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return DASH
  if (ms < 1000) return `${ms} ms`
  const s = ms / 1000
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** Any JSON value as plain text (a clue's named values). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return DASH
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}
