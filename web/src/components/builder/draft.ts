// The model builder's form state, what each collision pattern needs, and the form → API draft.

import type { BuilderDataset, BuilderPattern, DatasetColumn, DraftFilter, DraftInput, ModelDraft, Severity } from '@/api/types'

/** One side of the collision as the form holds it (empty strings = not chosen). */
export interface InputForm {
  dataset: string
  key: string
  date: string
  end: string
  quantity: string
  filters: DraftFilter[]
}

export interface DraftForm {
  id: string
  name_zh: string
  name_en: string
  area: string
  supervision_point: string
  description: string
  legal_basis: { law: string; article: string }[]
  follow_up: string[]
  pattern: BuilderPattern | ''
  primary: InputForm
  secondary: InputForm
  /** For `repetition`, whether the optional second dataset is used. */
  useSecondary: boolean
  days: number | null
  min_count: number | null
  min_ratio: number | null
  severity: Severity
}

/** Which columns one side asks for: a date (an event date, or a period's start), an end, a quantity. */
export interface SideSpec {
  date: 'date' | 'start' | null
  end: boolean
  quantity: boolean
}

export interface NumberSpec {
  default: number
  min: number
  max: number
  step: number
  precision: number
}

export interface PatternSpec {
  primary: SideSpec
  secondary: SideSpec
  /** The second side may be left out (repetition: "and does not appear in"). */
  secondaryOptional: boolean
  days: NumberSpec | null
  minCount: NumberSpec | null
  minRatio: NumberSpec | null
}

const event: SideSpec = { date: 'date', end: false, quantity: false }
const period: SideSpec = { date: 'start', end: true, quantity: false }
const keyOnly: SideSpec = { date: null, end: false, quantity: false }
const quantity: SideSpec = { date: null, end: false, quantity: true }
const integer = (value: number, min: number, max: number): NumberSpec => ({ default: value, min, max, step: 1, precision: 0 })

/** Mirrors the server's builder (procura-app/src/builder.rs): ranges and defaults of each parameter. */
export const PATTERN_SPECS: Record<BuilderPattern, PatternSpec> = {
  status_conflict: { primary: event, secondary: period, secondaryOptional: false, days: null, minCount: null, minRatio: null },
  missing_follow_up: {
    primary: event,
    secondary: event,
    secondaryOptional: false,
    days: integer(180, 1, 3650),
    minCount: null,
    minRatio: null,
  },
  interval_overlap: { primary: event, secondary: period, secondaryOptional: false, days: null, minCount: null, minRatio: null },
  repetition: {
    primary: event,
    secondary: keyOnly,
    secondaryOptional: true,
    days: integer(180, 1, 3650),
    minCount: integer(3, 2, 1000),
    minRatio: null,
  },
  same_day: { primary: event, secondary: event, secondaryOptional: false, days: integer(0, 0, 30), minCount: null, minRatio: null },
  ratio: {
    primary: quantity,
    secondary: quantity,
    secondaryOptional: false,
    days: null,
    minCount: null,
    minRatio: { default: 0.5, min: 0, max: 10, step: 0.1, precision: 2 },
  },
}

export const isPattern = (code: string): code is BuilderPattern => code in PATTERN_SPECS

export const KEY_TYPES = ['person_id', 'org_id', 'party_id', 'case_number', 'plate']
export const DATE_TYPES = ['date', 'datetime', 'month']
export const QUANTITY_TYPES = ['number', 'amount']

/** Acts offered as follow-up measures (more may be typed in). */
export const FOLLOW_UP_SUGGESTIONS = [
  '检察建议',
  '纠正违法通知书',
  '要求说明不立案理由通知书',
  '通知立案书',
  '再审检察建议',
  '抗诉',
  '支持起诉',
  '提起公益诉讼',
  '移送线索',
]

export const SEVERITIES: Severity[] = ['high', 'medium', 'low']

/** Filter operators by the i18n key of their plain name (builder.op.*). */
export const OPERATOR_KEYS: Record<string, string> = {
  '=': 'eq',
  '<>': 'ne',
  '>': 'gt',
  '>=': 'ge',
  '<': 'lt',
  '<=': 'le',
  contains: 'contains',
}

export const emptyInput = (): InputForm => ({ dataset: '', key: '', date: '', end: '', quantity: '', filters: [] })

export function emptyForm(): DraftForm {
  return {
    id: '',
    name_zh: '',
    name_en: '',
    area: '',
    supervision_point: '',
    description: '',
    legal_basis: [{ law: '', article: '' }],
    follow_up: [],
    pattern: '',
    primary: emptyInput(),
    secondary: emptyInput(),
    useSecondary: true,
    days: null,
    min_count: null,
    min_ratio: null,
    severity: 'medium',
  }
}

export const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{1,31}$/

export function columnsOf(datasets: BuilderDataset[], name: string): DatasetColumn[] {
  return datasets.find((d) => d.name === name)?.columns ?? []
}

export const columnLabel = (c: DatasetColumn) => `${c.name}（${c.field_type_zh}）`

/** Whether the form uses the second side under its pattern. */
export function usesSecondary(form: DraftForm): boolean {
  if (!form.pattern) return false
  return !PATTERN_SPECS[form.pattern].secondaryOptional || form.useSecondary
}

function wireInput(input: InputForm, side: SideSpec): DraftInput {
  const out: DraftInput = { dataset: input.dataset, key: input.key }
  if (side.date) out.date = input.date
  if (side.end && input.end) out.end = input.end
  if (side.quantity) out.quantity = input.quantity
  const filters = input.filters
    .filter((f) => f.column)
    .map((f) => ({ column: f.column, op: f.op, value: f.value.trim() }))
  if (filters.length) out.filters = filters
  return out
}

/** The form as the server reads it: only what the chosen pattern uses, blank rows left out. */
export function toDraft(form: DraftForm & { pattern: BuilderPattern }): ModelDraft {
  const spec = PATTERN_SPECS[form.pattern]
  const draft: ModelDraft = {
    id: form.id.trim(),
    name_zh: form.name_zh.trim(),
    area: form.area,
    pattern: form.pattern,
    primary: wireInput(form.primary, spec.primary),
    secondary: usesSecondary(form) ? wireInput(form.secondary, spec.secondary) : null,
    severity: form.severity,
  }
  if (form.name_en.trim()) draft.name_en = form.name_en.trim()
  if (form.supervision_point.trim()) draft.supervision_point = form.supervision_point.trim()
  if (form.description.trim()) draft.description = form.description.trim()
  const basis = form.legal_basis
    .filter((b) => b.law.trim())
    .map((b) => ({ law: b.law.trim(), article: b.article.trim() }))
  if (basis.length) draft.legal_basis = basis
  const acts = form.follow_up.map((a) => a.trim()).filter(Boolean)
  if (acts.length) draft.follow_up = acts
  if (spec.days && form.days !== null) draft.days = form.days
  if (spec.minCount && form.min_count !== null) draft.min_count = form.min_count
  if (spec.minRatio && form.min_ratio !== null) draft.min_ratio = form.min_ratio
  return draft
}
