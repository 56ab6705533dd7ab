import { computed, onBeforeUnmount, ref } from 'vue'
import { ElMessage } from 'element-plus'
import { api } from '@/api'
import { errorMessage } from '@/api/http'
import type { Job, JobId } from '@/api/types'

const POLL_MS = 500

/** Follows a background job (ingest or model run) by polling GET /api/jobs/{id} every 500 ms. */
export function useJob(onFinished?: (job: Job) => void) {
  const job = ref<Job | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined

  function stop() {
    clearTimeout(timer)
    timer = undefined
  }

  async function poll(id: JobId) {
    try {
      const current = await api.job(id)
      job.value = current
      if (current.status === 'running') timer = setTimeout(() => void poll(id), POLL_MS)
      else onFinished?.(current)
    } catch (error) {
      ElMessage.error(errorMessage(error))
    }
  }

  function track(id: JobId) {
    stop()
    job.value = null
    void poll(id)
  }

  onBeforeUnmount(stop)

  return { job, track, running: computed(() => job.value?.status === 'running') }
}
