import { onBeforeUnmount, onMounted, readonly, ref } from 'vue'
import { api } from '@/api'
import { can } from '@/session'

/** How many security alerts are open (the menu badge); null until known, and for other roles. */
const count = ref<number | null>(null)

export const openAlertCount = readonly(count)

/** Re-reads the number of open alerts; failures leave the last number (the alerts page shows errors). */
export async function refreshOpenAlertCount(): Promise<void> {
  if (!can('alerts')) {
    count.value = null
    return
  }
  try {
    count.value = (await api.alerts('open', true)).length
  } catch {
    // A 401 already leads to the login page; anything else waits for the next poll.
  }
}

/** The alerts page just read the open list: no need to ask again. */
export function setOpenAlertCount(n: number): void {
  count.value = n
}

/**
 * Calls `tick` every `ms` (and at once unless `immediate` is false) while the calling component is
 * mounted, skipping the ticks that fall while the browser tab is hidden and catching up as soon as
 * it is shown again.
 */
export function usePolling(tick: () => unknown, ms: number, immediate = true): void {
  let timer: ReturnType<typeof setInterval> | undefined
  const run = () => {
    if (!document.hidden) void tick()
  }
  onMounted(() => {
    if (immediate) run()
    timer = setInterval(run, ms)
    document.addEventListener('visibilitychange', run)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    document.removeEventListener('visibilitychange', run)
  })
}

/** The layout's part: for the security administrator and the auditor, poll the count every 30 s. */
export function useOpenAlertBadge(): void {
  if (!can('alerts')) return
  usePolling(refreshOpenAlertCount, 30_000)
  onBeforeUnmount(() => {
    count.value = null // the next user must not see this one's number
  })
}
