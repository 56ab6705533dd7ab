// The signed-in user, restored from GET /api/me on start, and what their roles let them see.

import { reactive, readonly } from 'vue'
import { api } from '@/api'
import { ApiError, setCsrfToken } from '@/api/http'
import type { Me, Role, Session } from '@/api/types'

const state = reactive<{ me: Me | null }>({ me: null })

export const session = readonly(state)

export function setSession(value: Session | null): void {
  state.me = value?.user ?? null
  setCsrfToken(value?.csrf_token ?? null)
}

let restoring: Promise<void> | null = null

/** Asks the server once who is signed in; a 401 simply means nobody. */
export function restoreSession(): Promise<void> {
  restoring ??= api
    .me()
    .then(setSession)
    .catch((error: unknown) => {
      setSession(null)
      if (error instanceof ApiError && error.status === 401) return
      restoring = null // try again on the next navigation
      throw error
    })
  return restoring
}

/** Re-reads the session (after a password change). */
export function reloadSession(): Promise<void> {
  restoring = null
  return restoreSession()
}

/** Who may see or do what (API.md, "Roles"); the server checks again. */
const permissions = {
  home: ['procurator', 'dept_head'],
  clues: ['procurator', 'dept_head'],
  data: ['data_admin', 'model_admin', 'dept_head', 'procurator'],
  upload: ['data_admin'],
  models: ['procurator', 'dept_head', 'data_admin', 'model_admin'],
  runModel: ['model_admin', 'dept_head'],
  builder: ['model_admin', 'dept_head'],
  saveModel: ['model_admin'],
  // The separated administrators (三员分立) never see case data, only their own pages.
  audit: ['auditor'],
  grants: ['security_admin'],
  // 安全预警 (early warning): the security administrator acknowledges alerts and edits the rules; the auditor reads.
  alerts: ['security_admin', 'auditor'],
  manageAlerts: ['security_admin'],
  users: ['sys_admin', 'security_admin'],
  manageUsers: ['sys_admin'],
} as const satisfies Record<string, readonly Role[]>

export type Permission = keyof typeof permissions

export function can(permission: Permission): boolean {
  const allowed: readonly Role[] = permissions[permission]
  return state.me?.roles.some((role) => allowed.includes(role)) ?? false
}

/** The first page the user's roles allow (a route name). */
export function landing(): { name: string } {
  if (can('home')) return { name: 'home' }
  if (can('data')) return { name: 'datasets' }
  if (can('models')) return { name: 'models' }
  if (can('audit')) return { name: 'audit' }
  if (can('grants')) return { name: 'grants' }
  if (can('users')) return { name: 'users' }
  if (can('alerts')) return { name: 'alerts' }
  return { name: 'no-access' }
}
