import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elementEn from 'element-plus/es/locale/lang/en'
import elementZhCn from 'element-plus/es/locale/lang/zh-cn'
import en from './en'
import zhCN from './zh-CN'

export type Locale = 'zh-CN' | 'en'
type Messages = typeof zhCN

const STORAGE_KEY = 'procura.locale'

function savedLocale(): Locale {
  return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

document.documentElement.lang = i18n.global.locale.value

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}

export const isChinese = computed(() => i18n.global.locale.value === 'zh-CN')

/** Element Plus's own texts (pagination, date picker, empty tables) follow the chosen language. */
export const elementLocale = computed(() => (isChinese.value ? elementZhCn : elementEn))
