import { ref, watchEffect } from 'vue'
import { ElMessage } from 'element-plus'
import { api } from '@/api'
import { errorMessage } from '@/api/http'
import type { ClueOptions } from '@/api/types'
import { session } from '@/session'

// Loaded once per signed-in user: the assignees offered depend on who asks.
let cached: { user: number; options: Promise<ClueOptions> } | null = null

function load(user: number): Promise<ClueOptions> {
  if (cached?.user !== user) {
    const options = api.clueOptions()
    options.catch(() => {
      cached = null // try again next time
    })
    cached = { user, options }
  }
  return cached.options
}

/** GET /api/clue-options: filter choices, acts, no-case reasons and assignees. */
export function useClueOptions() {
  const options = ref<ClueOptions>()
  watchEffect(() => {
    const user = session.me?.id
    if (user === undefined) return
    load(user)
      .then((loaded) => (options.value = loaded))
      .catch((error: unknown) => ElMessage.error(errorMessage(error)))
  })
  return options
}
