// The dashboard in a real headless Chromium (the system's, driven by playwright-core;
// nothing is downloaded), for tests/dashboard.rs. It walks what a family does: first-run
// setup from the owner's link, sign in, install a service from a folder through the
// form, watch it become running, open it on its subdomain and framed in the dashboard,
// read its live log, stop it, a second user who cannot see it, sign out (after which
// its subdomain asks to sign in again) — and runs axe-core on every page at a desktop
// and a phone-sized viewport. It prints one JSON object with what it saw; any
// unexpected page throws (exit 1).
//
//   node dashboard.js BASE SETUP_LINK SOURCE_DIR SCREENSHOT_DIR
const { chromium } = require('playwright-core')
const axe = require('axe-core')

const [base, setupLink, source, shots] = process.argv.slice(2)
const chrome = process.env.CHROMIUM || '/usr/bin/chromium'
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }
const seen = { violations: [], pages: [] }

function check (cond, what) {
  if (!cond) throw new Error('dashboard test: ' + what)
}

// axe-core on the page as it is, at both viewports: serious and critical only.
async function audit (page, name) {
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size)
    await page.addScriptTag({ content: axe.source })
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        seen.violations.push({ page: name, viewport: label, id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')) })
      }
    }
    await page.screenshot({ path: `${shots}/${name}-${label}.png`, fullPage: true })
  }
  await page.setViewportSize(DESKTOP)
  seen.pages.push(name)
}

async function statusOf (page, id) {
  await page.goto(base + '/')
  const card = page.locator(`[data-service="${id}"] [data-status]`)
  return (await card.count()) ? card.getAttribute('data-status') : null
}

async function waitStatus (page, id, want) {
  for (let i = 0; i < 100; i++) {
    if ((await statusOf(page, id)) === want) return
    await page.waitForTimeout(200)
  }
  throw new Error(`${id} never became ${want}`)
}

async function main () {
  const browser = await chromium.launch({ executablePath: chrome, args: ['--no-sandbox'] })
  const admin = await browser.newContext({ viewport: DESKTOP })
  const page = await admin.newPage()

  // First run: the owner's link opens the setup form.
  await page.goto(setupLink)
  check(await page.getByRole('heading', { name: /create the first admin/ }).isVisible(), 'the setup page')
  await audit(page, 'setup')
  await page.getByLabel('Username', { exact: true }).fill('alice')
  await page.getByLabel('Password (8 characters or more)').fill('alice password')
  await page.getByLabel('Password again').fill('alice password')
  await page.getByRole('button', { name: /Create the admin/ }).click()
  await page.waitForURL(base + '/')
  check(await page.getByRole('heading', { name: 'Services' }).isVisible(), 'the dashboard after setup')
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(/\/_atek\/login/)

  // Sign in with the form.
  await audit(page, 'login')
  await page.getByLabel('Username', { exact: true }).fill('alice')
  await page.getByLabel('Password', { exact: true }).fill('wrong password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(await page.getByRole('alert').textContent() === 'Username or password was incorrect', 'a wrong password is said')
  await page.getByLabel('Username', { exact: true }).fill('alice')
  await page.getByLabel('Password', { exact: true }).fill('alice password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(base + '/')

  // Install from a folder through the form; it becomes running.
  await page.getByRole('link', { name: 'Install', exact: true }).click()
  await audit(page, 'install')
  await page.getByLabel(/Git URL/).fill(source)
  await page.getByLabel('Id (optional: its name, made unique)').fill('framed')
  await page.getByRole('button', { name: 'Install' }).click()
  await page.waitForURL(base + '/')
  await waitStatus(page, 'framed', 'running')
  await audit(page, 'services')

  // On its subdomain (through the one-time hop), and framed in the dashboard.
  const port = new URL(base).port
  const sub = await admin.newPage()
  await sub.goto(`http://framed.localhost:${port}/`)
  seen.subdomain = await sub.locator('h1').textContent()
  await page.goto(base + '/')
  await page.getByRole('link', { name: 'Hello' }).click()
  await page.waitForURL(/\/_atek\/open\/framed/)
  const frame = page.frameLocator('iframe[title="framed"]')
  seen.framed = await frame.locator('h1').textContent({ timeout: 10000 })
  seen.frameSandbox = await page.locator('iframe').getAttribute('sandbox')

  // The log, live: a restart's lines arrive without a reload.
  const logs = await admin.newPage()
  await logs.goto(base + '/_atek/services/framed/logs')
  await audit(logs, 'logs')
  const text = await logs.locator('#log').textContent()
  const before = text.split('\n').length
  const readyBefore = text.split('[spork] ready').length
  await page.goto(base + '/')
  await page.getByRole('button', { name: 'restart framed' }).click()
  await page.waitForURL(base + '/')
  // Wait for the restart's "ready" line: it comes over the event stream, not a reload.
  await logs.waitForFunction(n => document.getElementById('log').textContent.split('[spork] ready').length > n, readyBefore, { timeout: 15000 })
  seen.liveLog = (await logs.locator('#log').textContent()).split('\n').slice(before - 1).filter(Boolean)

  // Config from its JSON Schema; users.
  await page.goto(base + '/_atek/services/framed/config')
  await audit(page, 'config')
  await page.getByLabel('greeting').fill('howdy')
  await page.getByRole('button', { name: 'Save and restart' }).click()
  await page.waitForURL(base + '/')
  await page.getByRole('link', { name: 'Users', exact: true }).click()
  await page.getByLabel('Username', { exact: true }).fill('bob')
  await page.getByLabel('Password (8 characters or more)').fill('bob password')
  await page.getByRole('button', { name: 'Create the user' }).click()
  await page.waitForURL(base + '/_atek/users')
  check(await page.getByRole('cell', { name: 'bob', exact: true }).isVisible(), 'bob is listed')
  await audit(page, 'users')

  // Stop it.
  await waitStatus(page, 'framed', 'running')
  await page.getByRole('button', { name: 'stop framed' }).click()
  await page.waitForURL(base + '/')
  await waitStatus(page, 'framed', 'stopped')
  await page.screenshot({ path: `${shots}/dashboard.png` })

  // A second user does not see it, nor open it.
  const other = await browser.newContext({ viewport: DESKTOP })
  const bob = await other.newPage()
  await bob.goto(base + '/')
  await bob.getByLabel('Username', { exact: true }).fill('bob')
  await bob.getByLabel('Password', { exact: true }).fill('bob password')
  await bob.getByRole('button', { name: 'Sign in' }).click()
  await bob.waitForURL(base + '/')
  seen.bobSees = await bob.locator('[data-service]').count()
  check(!(await bob.getByRole('link', { name: 'Users', exact: true }).count()), 'bob has no Users tab')
  const denied = await bob.goto(`http://framed.localhost:${port}/`)
  seen.bobSubdomainStatus = denied.status()

  // Sign out: the service's subdomain asks to sign in again.
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(/\/_atek\/login/)
  await sub.goto(`http://framed.localhost:${port}/`)
  seen.afterSignOut = sub.url()
  seen.afterSignOutForm = await sub.getByRole('button', { name: 'Sign in' }).isVisible()

  await browser.close()
  console.log(JSON.stringify(seen))
}

main().catch(e => { console.error(e.stack || String(e)); process.exit(1) })
