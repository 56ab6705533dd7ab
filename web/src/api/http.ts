// A small fetch wrapper: sends the session cookie, adds the CSRF token to writes, turns
// `{error:{code,message}}` bodies into ApiError, and reports an expired session.

import { i18n } from '@/i18n'
import type { ApiErrorBody } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

export type Query = Record<string, string | number | undefined | null>

let csrfToken: string | null = null
let sessionExpired: () => void = () => {}

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** Called on any 401 `unauthenticated` answer (not on bad credentials). */
export function onSessionExpired(handler: () => void): void {
  sessionExpired = handler
}

function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return `/api${path}${qs ? `?${qs}` : ''}`
}

function writeHeaders(method: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken
  return headers
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  const error = (body as ApiErrorBody | undefined)?.error
  return typeof error?.code === 'string' && typeof error.message === 'string'
}

/** Turns a response status and text into the parsed body, or throws ApiError. */
function settle<T>(status: number, text: string): T {
  const body = parseJson(text)
  if (status >= 200 && status < 300) return body as T
  const error = isErrorBody(body)
    ? new ApiError(status, body.error.code, body.error.message)
    : new ApiError(status, `http_${status}`, i18n.global.t('error.http', { status }))
  if (status === 401 && error.code === 'unauthenticated') sessionExpired()
  throw error
}

function networkError(): ApiError {
  return new ApiError(0, 'network', i18n.global.t('error.network'))
}

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; purpose?: string; background?: boolean } = {},
): Promise<T> {
  const headers = writeHeaders(method)
  // A periodic poll: the server does not count it as use, so an unattended page still signs out.
  if (options.background) headers['X-Procura-Background'] = '1'
  // The stated purpose (查询事由) of a sensitive read, recorded in the audit trail.
  if (options.purpose) headers['X-Procura-Purpose'] = encodeURIComponent(options.purpose)
  let body: string | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await fetch(apiUrl(path, options.query), { method, headers, body, credentials: 'include' })
  } catch {
    throw networkError()
  }
  return settle<T>(response.status, await response.text())
}

/** Posts one file as multipart field `file`, reporting upload progress (0–100). */
export function uploadFile<T>(path: string, file: File, onProgress: (percent: number, event: ProgressEvent) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', apiUrl(path))
    xhr.withCredentials = true
    for (const [key, value] of Object.entries(writeHeaders('POST'))) xhr.setRequestHeader(key, value)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress((event.loaded / event.total) * 100, event)
    }
    xhr.onerror = () => reject(networkError())
    xhr.onload = () => {
      try {
        resolve(settle<T>(xhr.status, xhr.responseText))
      } catch (error) {
        reject(error)
      }
    }
    const form = new FormData()
    form.append('file', file)
    xhr.send(form)
  })
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
