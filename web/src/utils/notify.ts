import { ElMessage } from 'element-plus'
import { errorMessage } from '@/api/http'

/** An error the user must read: it stays until closed (the server's message is Chinese first). */
export function showError(error: unknown): void {
  ElMessage({ type: 'error', message: errorMessage(error), duration: 0, showClose: true })
}
