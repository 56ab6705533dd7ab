// The clue list's filters, sort and page live in the URL query, so back/forward and links work.

import type { LocationQuery } from 'vue-router'
import type { ClueQuery, ClueSort } from '@/api/types'

export const PAGE_SIZES = [20, 50, 100]

const SORTS: ClueSort[] = ['id', '-id', 'amount', '-amount', 'first_seen', '-first_seen', 'due', '-due']
const TEXT_KEYS = ['model', 'area', 'status', 'severity', 'assignee', 'from', 'to', 'q'] as const

function single(value: LocationQuery[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return first ?? undefined
}

function integer(value: LocationQuery[string]): number | undefined {
  const text = single(value)
  if (!text || !/^\d+$/.test(text)) return undefined
  return Number(text)
}

export function parseClueQuery(route: LocationQuery): ClueQuery {
  const query: ClueQuery = {}
  for (const key of TEXT_KEYS) {
    const value = single(route[key])
    if (value) query[key] = value
  }
  query.min_amount_fen = integer(route.min_amount_fen)
  query.max_amount_fen = integer(route.max_amount_fen)
  if (single(route.mine) === '1') query.mine = 1
  if (single(route.overdue) === '1') query.overdue = 1
  const sort = single(route.sort) as ClueSort | undefined
  if (sort && SORTS.includes(sort)) query.sort = sort
  query.page = Math.max(integer(route.page) ?? 1, 1)
  const size = integer(route.page_size)
  query.page_size = size && PAGE_SIZES.includes(size) ? size : PAGE_SIZES[0]
  return query
}

export function toRouteQuery(query: ClueQuery): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') out[key] = String(value)
  }
  return out
}
