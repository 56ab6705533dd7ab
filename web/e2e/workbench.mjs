// End-to-end test of the web workbench in real Chromium.
//
// Builds a demo workspace with the procura binary, serves it on a free port and walks through the
// work of several accounts: a department head assigns a clue, a procurator verifies and concludes
// it, a procurator of another department may not see it, the data administrator imports a GBK CSV,
// the model administrator runs a model, and the UI switches to English and back.
//
//   npm run e2e
//
// Environment: PROCURA_BIN (default ../target/debug/procura), CHROMIUM (default /usr/bin/chromium),
// E2E_SCREENSHOTS (default ../target/e2e-screenshots), E2E_HEADED=1 to watch the browser, and
// E2E_WEB_DIST=dist to test the UI last built by `npm run build` instead of the copy embedded in
// the binary (the API still comes from the binary). Paths given relative are taken from the
// current directory; the defaults are relative to web/.

import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.resolve(process.env.PROCURA_BIN ?? path.join(WEB, '../target/debug/procura'))
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const SHOTS = path.resolve(process.env.E2E_SCREENSHOTS ?? path.join(WEB, '../target/e2e-screenshots'))
const WEB_DIST = process.env.E2E_WEB_DIST ? path.resolve(process.env.E2E_WEB_DIST) : null
const FIXTURE = path.join(WEB, 'e2e/fixtures/处罚记录_gbk.csv')

const PASSWORD = 'procura-demo-2026'
const DEMO_PERSONS = '500' // the smallest population `procura demo` accepts
const DEMO_SEED = '7'
const TIMEOUT_MS = 10_000 // for one UI expectation
const JOB_TIMEOUT_MS = 30_000 // for an ingest or a model run to finish
const TOTAL_LIMIT_MS = 120_000 // the whole run, start-up included

// A reader that goes away (`| head`) must not kill the run before it cleans up.
process.stdout.on('error', () => undefined)

const started = Date.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(() => resolve(undefined), ms))
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`)

// ---------------------------------------------------------------------------------------------
// The server: a demo workspace in a temporary directory, served on a free port.

/** Runs a command to its end (killed after a minute); rejects with its output when it fails. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, ...options })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(output) : reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? code}):\n${output.slice(-3000)}`)),
    )
  })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts `procura serve`; resolves once it prints its address and answers GET /api/me. */
async function startServer(workspace) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn(BIN, ['--workspace', workspace, 'serve', '--addr', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)))
  child.on('error', (error) => (output += `\n${error.message}`))

  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const status = await Promise.race([exited.then((how) => ({ how })), sleep(100)])
    if (status) throw new Error(`procura serve exited (${status.how}):\n${output.slice(-3000)}`)
    if (!output.includes('http://')) continue
    const answer = await fetch(`${base}/api/me`).catch(() => null)
    if (answer?.status === 401) return { base, child, exited, output: () => output }
  }
  child.kill('SIGKILL')
  throw new Error(`procura serve did not answer on ${base} within 20 s:\n${output.slice(-3000)}`)
}

async function stopServer(server) {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return
  server.child.kill('SIGTERM')
  if (!(await Promise.race([server.exited.then(() => true), sleep(3000)]))) {
    server.child.kill('SIGKILL')
    await server.exited
  }
}

// ---------------------------------------------------------------------------------------------
// Browser helpers.

let page // the one tab every step drives
let base // the server's address
let pageErrors = [] // uncaught errors in the page since the last step

const tid = (id) => page.getByTestId(id)
/** An element Element Plus keeps in several places (options, dialog buttons): the visible one. */
const visible = (id) => page.locator(`[data-testid="${id}"]:visible`).first()

/** Waits until `read()` passes `check`; fails with `what` and the last value read. */
async function until(what, read, check, timeout = TIMEOUT_MS) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    last = await read().catch((error) => `<${error.message.split('\n')[0]}>`)
    if (check(last)) return last
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeout} ms`)
    await sleep(100)
  }
}

/** Waits until the element's text contains `expected` (a string or a RegExp). */
function expectText(locator, expected, what = String(locator), timeout = TIMEOUT_MS) {
  const matches = (text) => typeof text === 'string' && (expected instanceof RegExp ? expected.test(text) : text.includes(expected))
  return until(`${what} should show ${expected}`, async () => (await locator.first().textContent({ timeout: 1000 }))?.trim(), matches, timeout)
}

async function expectCount(locator, check, what, timeout = TIMEOUT_MS) {
  return until(what, () => locator.count(), check, timeout)
}

/**
 * Saves a screenshot, by default of the whole page: the content scrolls inside <el-main>, so the
 * window is made tall enough to show all of it. Toasts are left out, animations run to their end.
 */
async function shoot(name, { whole = true } = {}) {
  const viewport = page.viewportSize()
  if (whole) {
    const height = await page.evaluate(() => {
      const main = document.querySelector('.el-main')
      return Math.ceil(main ? main.getBoundingClientRect().top + main.scrollHeight : document.documentElement.scrollHeight)
    })
    if (height > viewport.height) {
      await page.setViewportSize({ width: viewport.width, height: Math.min(height, 8000) })
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
    }
  }
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled', style: '.el-message { display: none; }' })
  await page.setViewportSize(viewport)
  log(`  screenshot ${name}.png`)
}

/** Waits until no dialog is open any more. */
const dialogsClosed = () => until('open dialogs', () => page.locator('.el-overlay-dialog:visible').count(), (n) => n === 0)

async function chooseOption(selectId, value) {
  await tid(selectId).click()
  await visible(`option-${value}`).click()
}

/**
 * Does `action`, then waits until the clue list it asks for (the query parameters passing
 * `matches`) has come back from the server and been drawn.
 */
async function listAfter(action, matches) {
  const answered = page.waitForResponse((response) => {
    const url = new URL(response.url())
    return url.pathname === '/api/clues' && matches(url.searchParams)
  })
  await action()
  await answered
  await settled()
}

/** The clue ids the list shows. */
const listedClues = () => page.locator('[data-testid^="clue-link-"]').evaluateAll((links) => links.map((a) => Number(a.dataset.testid.slice('clue-link-'.length))))

/** Waits for the page's loading masks (v-loading) to go. */
const settled = () => until('loading masks', () => page.locator('.el-loading-mask:visible').count(), (n) => n === 0)

async function login(username) {
  await tid('login-username').fill(username)
  await tid('login-password').fill(PASSWORD)
  await tid('login-submit').click()
  await tid('logout').waitFor()
  log(`  signed in as ${username}`)
}

async function logout() {
  await tid('logout').click()
  await tid('login-username').waitFor()
}

/** The number an el-statistic card shows. */
async function statistic(locator) {
  const text = await locator.locator('.el-statistic__number').textContent()
  return Number(text.replace(/[^\d.-]/g, ''))
}

/** With E2E_WEB_DIST: answers everything but the API from the built UI on disk. */
function serveDist(route) {
  const { pathname } = new URL(route.request().url())
  if (pathname.startsWith('/api/')) return route.continue()
  const file = path.join(WEB_DIST, pathname === '/' ? 'index.html' : decodeURIComponent(pathname))
  return existsSync(file) ? route.fulfill({ path: file }) : route.fulfill({ status: 404 })
}

// ---------------------------------------------------------------------------------------------
// The scenario.

const clue = { id: 0, title: '' } // the clue walked through the workflow
const DATASET = 'e2e处罚记录'

/** The steps, in order; each leaves the browser signed out (or where the next one expects it). */
const scenario = []
const step = (title, body) => scenario.push({ title, body })

step('a1. 王主任 signs in; the home page shows status counts', async () => {
  await page.goto(`${base}/#/login`)
  await tid('login-username').waitFor()
  await shoot('01-login', { whole: false })
  await login('wang.zhuren')
  await until('landing page', async () => new URL(page.url()).hash, (hash) => hash === '#/home')
  const newCard = tid('home-status-new')
  await expectText(newCard, '新线索')
  const fresh = await statistic(newCard)
  if (!(fresh > 0)) throw new Error(`home-status-new shows ${fresh}; the demo routes new clues to 刑事检察部`)
  await tid('status-chart').locator('canvas').waitFor()
  await settled()
  await shoot('02-home')
  log(`  新线索: ${fresh}`)
})

step('a2. the clue list is paginated on the server', async () => {
  await listAfter(() => tid('menu-clues').click(), () => true)
  const firstPage = await listedClues()
  const total = tid('clue-pagination').locator('.el-pagination__total')
  const count = Number((await expectText(total, /\d/, 'pagination total')).replace(/\D/g, ''))
  if (!(count > firstPage.length && firstPage.length > 0)) throw new Error(`${count} clues, ${firstPage.length} listed: nothing to page`)
  const pageTwo = tid('clue-pagination').locator('.el-pager li', { hasText: /^2$/ })
  await listAfter(() => pageTwo.click(), (query) => query.get('page') === '2')
  const secondPage = await listedClues()
  if (!secondPage.length || secondPage.some((id) => firstPage.includes(id))) {
    throw new Error(`page 2 shows ${secondPage}, page 1 showed ${firstPage}`)
  }
  log(`  ${count} clues; page 1: ${firstPage.length}, page 2: ${secondPage.length}, none twice`)
})

step('a3. filter 新线索 and open one clue: evidence and legal basis', async () => {
  await chooseOption('filter-status', 'new')
  await listAfter(() => tid('filter-search').click(), (query) => query.get('status') === 'new')
  const link = page.locator('[data-testid^="clue-link-"]').first()
  await link.waitFor()
  clue.id = Number((await link.getAttribute('data-testid')).replace('clue-link-', ''))
  clue.title = (await link.textContent()).trim()
  await shoot('03-clue-list')
  await link.click()
  await until('detail URL', async () => page.url(), (url) => url.endsWith(`#/clues/${clue.id}`))
  await expectText(tid('clue-title'), clue.title)
  await expectText(tid('clue-status'), '新线索')
  await expectCount(tid('evidence-card'), (n) => n >= 1, 'evidence cards')
  const basis = page.locator('.el-card', { hasText: '法律依据' }).locator('ul li')
  await expectCount(basis, (n) => n >= 1, 'legal basis entries')
  await settled()
  await shoot('04-clue-detail')
  log(`  clue #${clue.id}: ${clue.title}`)
  log(`  ${await tid('evidence-card').count()} evidence card(s); basis: ${(await basis.first().textContent()).trim()}`)
  // 线索说明 (asserted line by line in the server test; not every pattern has one).
  const why = page.locator('[data-testid="clue-explanation"] li')
  if ((await why.count()) > 0) log(`  线索说明: ${(await why.first().textContent()).trim()}`)
})

step('a4. assign the clue to 李检察官 (分派), then sign out', async () => {
  await tid('action-assign').click()
  await chooseOption('assign-select', 'li.jiancha')
  await visible('action-note').fill('请核查（e2e）')
  await visible('dialog-confirm').click()
  await dialogsClosed()
  await expectText(tid('clue-status'), '已分派')
  await expectText(tid('clue-assignee'), '李检察官')
  await logout()
})

step('b1. 李检察官 finds the clue under 只看我的 and accepts it (接收 → 核查中)', async () => {
  await login('li.jiancha')
  await tid('menu-clues').click()
  await tid('filter-mine').click()
  await listAfter(() => tid('filter-search').click(), (query) => query.get('mine') === '1')
  const mine = await listedClues()
  if (mine.join() !== String(clue.id)) throw new Error(`只看我的 lists ${mine}, expected only ${clue.id}`)
  await tid(`clue-link-${clue.id}`).click()
  await expectText(tid('clue-status'), '已分派')
  await tid('action-accept').click()
  await visible('dialog-confirm').click()
  await dialogsClosed()
  await expectText(tid('clue-status'), '核查中')
})

step('b2. add a 核查意见 and conclude (办结: 成案, 检察建议)', async () => {
  const comment = '已调取血液酒精检测报告，情况属实（e2e）'
  await tid('comment-text').fill(comment)
  await tid('action-comment').click()
  await expectText(tid('clue-comment').last(), comment)
  await tid('action-conclude').click()
  await visible('conclude-case').click()
  await chooseOption('conclude-act', '检察建议')
  await visible('action-note').fill('已向公安机关制发检察建议（e2e）')
  await visible('dialog-confirm').click()
  await dialogsClosed()
  await expectText(tid('clue-status'), '已办结')
  await expectText(tid('clue-outcome'), '检察建议')
  const events = tid('clue-history').locator('.el-timeline-item')
  const steps = await until(
    'history timeline with assign, accept, conclude',
    () => events.allTextContents(),
    (texts) => ['已分派', '核查中', '已办结'].every((status) => texts.some((text) => text.includes(status))),
  )
  await settled()
  await shoot('05-clue-closed')
  log(`  history: ${steps.length} events`)
  await logout()
})

step('c. 孙检察官 (行政检察部) may not open the clue, nor find it in the list', async () => {
  await login('sun.jiancha')
  await page.goto(`${base}/#/clues/${clue.id}`)
  await tid('clue-forbidden').waitFor()
  await expectText(page.locator('.el-menu-item.is-active'), '线索', 'the active menu entry')
  await settled()
  await shoot('06-clue-forbidden', { whole: false })
  await tid('menu-clues').click()
  await tid('filter-q').fill(clue.title)
  await listAfter(() => tid('filter-search').click(), (query) => query.get('q') === clue.title)
  const found = await listedClues()
  if (found.length) throw new Error(`searching the other department's clue title lists ${found}`)
  await logout()
})

step('d1. 数据管理员 uploads a GBK CSV and sees the suggested mapping', async () => {
  await login('shuju')
  await until('landing page', async () => new URL(page.url()).hash, (hash) => hash === '#/data')
  await tid('upload-open').click()
  await tid('upload-input').setInputFiles(FIXTURE)
  await tid('mapping-table').waitFor()
  // The headers were decoded from GBK, or these test ids would not exist.
  const suggested = { 姓名: '姓名', 身份证号: '身份证号', 处罚日期: '日期', '罚款金额(元)': '金额', 违法行为: '文本', 处罚机关: '文本' }
  for (const [source, type] of Object.entries(suggested)) {
    const name = await tid(`mapping-name-${source}`).inputValue()
    const shown = await expectText(tid(`mapping-type-${source}`), type, `the type suggested for ${source}`)
    log(`  ${source} → ${name} (${shown})`)
  }
})

step('d2. correct the mapping (处罚机关 is an organisation), name the dataset and import it', async () => {
  await tid('mapping-name-处罚机关').fill('authority')
  await chooseOption('mapping-type-处罚机关', 'org_name')
  await expectText(tid('mapping-type-处罚机关'), '单位名称', 'the corrected type of 处罚机关')
  await tid('ingest-dataset').fill(DATASET)
  await shoot('07-upload-mapping')
  await tid('ingest-start').click()
  const done = tid('job-done')
  await done.waitFor({ timeout: JOB_TIMEOUT_MS })
  const kind = await done.getAttribute('class')
  if (!kind.includes('el-alert--success')) throw new Error(`the import failed: ${await done.textContent()}`)
  await expectText(tid('job-progress'), '100%')
  log(`  ${(await done.innerText()).replace(/\s+/g, ' ').trim()}`)
  await shoot('08-upload-done')
})

step('d3. the dataset is listed and shows its quality report', async () => {
  await tid('menu-data').click()
  const link = tid(`dataset-link-${DATASET}`)
  await link.waitFor()
  await link.click()
  const report = tid('quality-report')
  await report.waitFor()
  const rowsRead = await statistic(report.locator('.el-statistic').first())
  if (rowsRead !== 20) throw new Error(`the quality report read ${rowsRead} rows, the fixture has 20`)
  await expectText(page.locator('tr', { hasText: 'authority' }).first(), '单位名称', 'the corrected column')
  await expectText(tid('quality-files'), /gb18030|gbk/i, 'the detected encoding')
  // the fixture holds three 15-digit ID numbers and one 18-digit number with a wrong check digit
  await expectText(tid('quality-notes'), /15 位身份证号已升为 18 位\s*3/, 'the 15→18 digit note')
  await expectText(report, 'bad_check_digit', 'the invalid ID number')
  await settled()
  await shoot('09-dataset-quality')
  await logout()
})

step('e. 模型管理员 runs model M35 and sees its clue count', async () => {
  await login('moxing')
  await tid('menu-models').click()
  await tid('model-link-M35').waitFor()
  await settled()
  await shoot('10-models')
  await tid('model-link-M35').click()
  await tid('model-run-M35').waitFor()
  await settled()
  const runs = page.locator('.el-card', { hasText: '运行记录' }).locator('.el-table__body tr')
  const before = await runs.count()
  if (before < 1) throw new Error('no earlier run of M35 listed, though the demo ran every model')
  await tid('model-run-M35').click()
  // Before the run, the dialog says what the run assumes: the demo's roles join through
  // entity linkage, and the optional 决定书文号 binding is named if absent.
  const notices = visible('run-notices')
  await notices.waitFor()
  const said = (await notices.textContent()).replace(/\s+/g, ' ')
  if (!said.includes('实体关联')) throw new Error(`the run dialog does not say the roles join through linkage: ${said}`)
  await visible('run-start').click()
  const done = visible('job-done')
  await done.waitFor({ timeout: JOB_TIMEOUT_MS })
  const text = (await done.textContent()).replace(/\s+/g, ' ').trim()
  if (!/运行完成：共 \d+ 条线索/.test(text)) throw new Error(`the run did not succeed: ${text}`)
  await done.scrollIntoViewIfNeeded()
  await shoot('11-model-run', { whole: false })
  log(`  ${text}`)
  await page.keyboard.press('Escape')
  await dialogsClosed()
  await expectCount(runs, (n) => n === before + 1, 'runs in the history after the run')
  await logout()
})

step('f1. 王主任 finds the closed clue by its title (the search that found nothing for 孙检察官)', async () => {
  await login('wang.zhuren')
  await tid('menu-clues').click()
  await tid('filter-q').fill(clue.title)
  await listAfter(() => tid('filter-search').click(), (query) => query.get('q') === clue.title)
  const found = await listedClues()
  if (found.join() !== String(clue.id)) throw new Error(`searching the clue's title lists ${found}, expected ${clue.id}`)
  await tid(`clue-link-${clue.id}`).click()
  await expectText(tid('clue-status'), '已办结')
})

step('f2. switch to English and back', async () => {
  await tid('lang-switch').click()
  await expectText(tid('menu-clues'), 'Clues')
  await expectText(tid('menu-home'), 'Workbench')
  await expectText(tid('clue-status'), 'Closed')
  await settled()
  await shoot('12-english')
  await tid('lang-switch').click()
  await expectText(tid('menu-clues'), '线索')
  await logout()
})

step('g1. 安全审计员 sees who read which clue, and verifies the audit trail', async () => {
  await login('shenji')
  await tid('audit-table').waitFor()
  await settled()
  await tid('audit-account').fill('li.jiancha')
  await tid('audit-search').click()
  await settled()
  const rows = page.locator('[data-testid="audit-table"] .el-table__body tr')
  await expectCount(rows, (n) => n > 0, 'audit records of li.jiancha')
  await shoot('13-audit')
  await tid('audit-verify').click()
  const result = tid('audit-verify-result')
  await result.waitFor()
  if ((await result.getAttribute('data-ok')) !== 'true') {
    throw new Error(`the audit trail did not verify: ${await result.textContent()}`)
  }
  await logout()
})

step('g2. 安全保密管理员 opens 安全预警 and sees the eight rules', async () => {
  await login('anquan')
  await tid('menu-alerts').click()
  await tid('rules-table').waitFor()
  await settled()
  await expectCount(page.locator('[data-testid="rules-table"] .el-table__body tr'), (n) => n === 8, 'alert rules')
  await shoot('14-alerts')
  await logout()
})

// ---------------------------------------------------------------------------------------------
// The runner.

async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: !process.env.E2E_HEADED,
    // The machine has no network: without these Chromium stalls on its own background requests.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', reducedMotion: 'reduce' })
  context.setDefaultTimeout(TIMEOUT_MS)
  if (WEB_DIST) {
    log(`UI from ${WEB_DIST}`)
    await context.route(`${base}/**`, serveDist)
  }
  page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') log(`  browser console: ${message.text()}`)
  })
  return browser
}

/** Runs the steps in order and stops at the first failure; returns how many passed. */
async function runScenario(server) {
  let passed = 0
  for (const { title, body } of scenario) {
    const stepStarted = Date.now()
    log(`▶ ${title}`)
    try {
      pageErrors = []
      await body()
      if (pageErrors.length) throw new Error(`uncaught error(s) in the page:\n  ${pageErrors.join('\n  ')}`)
    } catch (error) {
      log(`✘ ${title}\n${error.stack ?? error}`)
      log(`  page: ${page.url()}`)
      const toasts = await page.locator('.el-message').allTextContents().catch(() => [])
      if (toasts.length) log(`  messages on the page: ${toasts.join(' | ')}`)
      await shoot('FAILED').catch((why) => log(`  no screenshot: ${why.message}`))
      log(`  server output (tail):\n${server.output().slice(-2000)}`)
      return passed
    }
    passed += 1
    log(`✔ ${title} (${((Date.now() - stepStarted) / 1000).toFixed(1)} s)`)
  }
  return passed
}

/** Fails early when the binary embeds the notice page its build writes if `npm run build` failed. */
async function checkEmbeddedUi() {
  const html = await (await fetch(`${base}/`)).text()
  if (!html.includes('id="app"')) {
    const notice = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
    throw new Error(`the binary serves no UI, only its notice: ${notice}`)
  }
}

/** The UI sources edited after the binary was built, whose changes the embedded UI lacks. */
async function newerThanBinary() {
  const built = (await stat(BIN)).mtimeMs
  const files = await readdir(path.join(WEB, 'src'), { recursive: true })
  const newer = []
  for (const file of files) {
    const info = await stat(path.join(WEB, 'src', file))
    if (info.isFile() && info.mtimeMs > built) newer.push(file)
  }
  return newer
}

async function main() {
  if (!existsSync(BIN)) throw new Error(`no procura binary at ${BIN} (set PROCURA_BIN)`)
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CHROMIUM)`)
  const stale = WEB_DIST ? [] : await newerThanBinary()
  if (stale.length) {
    log(`warning: web/src changed after ${path.basename(BIN)} was built (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''});`)
    log('  the embedded UI lacks those changes: rebuild the binary, or `npm run build` and set E2E_WEB_DIST=dist')
  }
  await mkdir(SHOTS, { recursive: true })
  for (const name of await readdir(SHOTS)) {
    if (/^(\d\d-.*|FAILED)\.png$/.test(name)) await rm(path.join(SHOTS, name))
  }

  const temp = await mkdtemp(path.join(tmpdir(), 'procura-e2e-'))
  let server
  let browser
  const cleanup = async () => {
    await browser?.close().catch(() => undefined)
    await stopServer(server)
    await rm(temp, { recursive: true, force: true })
  }
  const abort = (why, code) => {
    log(why)
    void cleanup().finally(() => process.exit(code))
  }
  // Last resort when Node exits without the cleanup above (an uncaught error, say).
  process.once('exit', () => {
    server?.child.kill('SIGKILL')
    rmSync(temp, { recursive: true, force: true })
  })
  process.once('SIGINT', () => abort('interrupted: cleaning up', 130))
  process.once('SIGTERM', () => abort('terminated: cleaning up', 143))
  const watchdog = setTimeout(() => abort(`FAILED: the run took longer than ${TOTAL_LIMIT_MS / 1000} s`, 1), TOTAL_LIMIT_MS)

  let passed = 0
  try {
    const workspace = path.join(temp, 'workspace')
    log(`procura demo → ${workspace}`)
    await run(BIN, ['demo', '--persons', DEMO_PERSONS, '--seed', DEMO_SEED, '--dir', workspace, '--no-serve'], { cwd: temp })
    server = await startServer(workspace)
    base = server.base
    log(`procura serve → ${base}`)
    if (!WEB_DIST) await checkEmbeddedUi()
    browser = await launchBrowser()
    passed = await runScenario(server)
  } catch (error) {
    log(`✘ setup: ${error.stack ?? error}`)
  } finally {
    clearTimeout(watchdog)
    await cleanup()
  }
  const failed = passed < scenario.length ? 1 : 0
  const skipped = scenario.length - passed - failed
  log(`screenshots in ${SHOTS}`)
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
  return failed === 0
}

const ok = await main().catch((error) => {
  console.error(`e2e: ${error.message}`)
  return false
})
process.exitCode = ok ? 0 : 1
