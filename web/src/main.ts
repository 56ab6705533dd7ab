import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { onSessionExpired } from './api/http'
import { i18n } from './i18n'
import { router } from './router'
import { session, setSession } from './session'
import './style.css'

onSessionExpired(() => {
  if (!session.me) return // nobody was signed in (the start-up check): the router guard handles it
  setSession(null)
  const current = router.currentRoute.value
  if (current.name !== 'login') void router.push({ name: 'login', query: { redirect: current.fullPath } })
})

createApp(App).use(i18n).use(ElementPlus).use(router).mount('#app')
