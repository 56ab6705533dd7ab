import { isChinese } from '@/i18n'
import type { ClueModel, LegalBasis, ModelParameter, ParamValue } from '@/api/types'

export const modelName = (m: Pick<ClueModel, 'name_zh' | 'name_en'>) => (isChinese.value ? m.name_zh : m.name_en || m.name_zh)

/** 《中华人民共和国社会保险法》第八十八条 */
export const legalBasisText = (b: LegalBasis) => `《${b.law}》${b.article}`

const splitList = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)

/** A parameter's default as the run form's starting value (defaults may come typed or as text). */
export function initialParamValue(p: ModelParameter): ParamValue {
  const d = p.default
  switch (p.type) {
    case 'integer':
    case 'number': {
      const n = typeof d === 'number' ? d : Number(d)
      return d === null || d === '' || !Number.isFinite(n) ? null : n
    }
    case 'date':
      return typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : null
    case 'text_list':
      return Array.isArray(d) ? [...d] : typeof d === 'string' ? splitList(d) : []
    default:
      return d === null ? '' : String(d)
  }
}

/** A form value as the server reads it: lists comma-separated; null when left empty (the default applies). */
export function wireParamValue(v: ParamValue): string | number | null {
  if (Array.isArray(v)) return v.length ? v.join(',') : null
  return v === '' ? null : v
}
