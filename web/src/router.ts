import { createRouter, createWebHashHistory } from 'vue-router'
import { can, landing, restoreSession, session, type Permission } from '@/session'
import AppLayout from '@/components/AppLayout.vue'
import LoginView from '@/views/LoginView.vue'
import NoAccessView from '@/views/NoAccessView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Pages anyone may open (the login page). */
    public?: boolean
    /** Which roles may open the page (see session.ts). */
    permission?: Permission
    /** The menu entry to mark active. */
    menu?: string
  }
}

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    {
      path: '/',
      component: AppLayout,
      children: [
        // Not a `redirect`: those run before the guard below, while nobody may be signed in yet.
        { path: '', name: 'landing', component: NoAccessView, beforeEnter: () => landing() },
        { path: 'no-access', name: 'no-access', component: NoAccessView },
        {
          path: 'home',
          name: 'home',
          component: () => import('@/views/HomeView.vue'),
          meta: { permission: 'home', menu: 'home' },
        },
        {
          path: 'clues',
          name: 'clues',
          component: () => import('@/views/ClueListView.vue'),
          meta: { permission: 'clues', menu: 'clues' },
        },
        {
          path: 'clues/:id(\\d+)',
          name: 'clue',
          component: () => import('@/views/ClueDetailView.vue'),
          props: (route) => ({ id: Number(route.params.id) }),
          meta: { permission: 'clues', menu: 'clues' },
        },
        {
          path: 'data',
          name: 'datasets',
          component: () => import('@/views/DatasetListView.vue'),
          meta: { permission: 'data', menu: 'data' },
        },
        {
          path: 'data/upload',
          name: 'upload',
          component: () => import('@/views/UploadView.vue'),
          meta: { permission: 'upload', menu: 'data' },
        },
        {
          path: 'data/:name',
          name: 'dataset',
          component: () => import('@/views/DatasetDetailView.vue'),
          props: true,
          meta: { permission: 'data', menu: 'data' },
        },
        {
          path: 'models',
          name: 'models',
          component: () => import('@/views/ModelListView.vue'),
          meta: { permission: 'models', menu: 'models' },
        },
        {
          path: 'models/:id',
          name: 'model',
          component: () => import('@/views/ModelDetailView.vue'),
          props: true,
          meta: { permission: 'models', menu: 'models' },
        },
        {
          path: 'builder',
          name: 'builder',
          component: () => import('@/views/ModelBuilderView.vue'),
          meta: { permission: 'builder', menu: 'builder' },
        },
        {
          path: 'users',
          name: 'users',
          component: () => import('@/views/UserListView.vue'),
          meta: { permission: 'users', menu: 'users' },
        },
        {
          path: 'grants',
          name: 'grants',
          component: () => import('@/views/GrantListView.vue'),
          meta: { permission: 'grants', menu: 'grants' },
        },
        {
          path: 'audit',
          name: 'audit',
          component: () => import('@/views/AuditLogView.vue'),
          meta: { permission: 'audit', menu: 'audit' },
        },
        {
          path: 'alerts',
          name: 'alerts',
          component: () => import('@/views/AlertsView.vue'),
          meta: { permission: 'alerts', menu: 'alerts' },
        },
      ],
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  // A server that cannot be reached leaves nobody signed in; the login page then says why.
  await restoreSession().catch(() => undefined)
  const me = session.me
  if (to.meta.public) return true
  if (!me) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  if (me.must_change_password) return { name: 'login' }
  if (to.meta.permission && !can(to.meta.permission)) return landing()
  return true
})
