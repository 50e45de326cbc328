// Real-browser test of the example client against a running Hearth.
//
// Expects Hearth at HEARTH_API_URL started with the trusted-documents
// manifest of this build (dist/persisted-documents.json), the demo data and
// WEB_ALLOWED_ORIGIN, and only it, in HEARTH_SERVER__CORS_ORIGINS.
// scripts/browser-test sets all of that up; run that, not this, by hand.
//
// It serves dist/ on two origins and drives headless Chromium (Debian's,
// never a downloaded one):
//   1. on the allowed origin the case worker logs in, sees her children and
//      opens a placement; the auditor then sees that read in the child's
//      access report;
//   2. on an origin not in the allow-list the same login is refused by the
//      browser (CORS) and the page shows an error.
// Screenshots go to SCREENSHOT_DIR. Exits non-zero on any failure.
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const config = {
  api: env.HEARTH_API_URL ?? 'http://127.0.0.1:18090/graphql',
  allowedOrigin: env.WEB_ALLOWED_ORIGIN ?? 'http://127.0.0.1:18091',
  refusedOrigin: env.WEB_REFUSED_ORIGIN ?? 'http://localhost:18092',
  dist: path.resolve(env.WEB_DIST ?? path.join(here, 'dist')),
  screenshots: path.resolve(env.SCREENSHOT_DIR ?? path.join(here, '../../target/browser')),
  chromium: env.CHROMIUM ?? '/usr/bin/chromium',
  caseWorker: env.CASE_WORKER ?? 'anna.case',
  auditor: env.AUDITOR ?? 'alice.auditor',
  password: env.HEARTH_DEMO_PASSWORD ?? 'demo-password-1',
  timeoutMs: Number(env.BROWSER_TEST_TIMEOUT_MS ?? 30000),
};

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
function pass(what) {
  console.log(`ok   ${elapsed().padStart(6)}  ${what}`);
}
class CheckFailed extends Error {}
function check(condition, what, detail) {
  if (!condition) throw new CheckFailed(`${what}${detail === undefined ? '' : `: ${detail}`}`);
  pass(what);
}

// ---- static file server for dist/ -----------------------------------------

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

function serveDist(req, res) {
  const url = new URL(req.url ?? '/', 'http://x');
  const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  const file = path.resolve(config.dist, `.${relative}`);
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(config.dist + path.sep)) {
    res.writeHead(404).end();
    return;
  }
  stat(file).then(
    (s) => {
      if (!s.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'Content-Type': types[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': s.size,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    },
    () => res.writeHead(404).end(),
  );
}

function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Serves dist/ on `origin`; `localhost` on both loopback addresses. */
async function serveOrigin(origin) {
  const { hostname, port } = new URL(origin);
  const hosts = hostname === 'localhost' ? ['127.0.0.1', '::1'] : [hostname.replace(/^\[|\]$/g, '')];
  const servers = [];
  for (const host of hosts) {
    try {
      servers.push(await listen(http.createServer(serveDist), host, Number(port)));
    } catch (error) {
      // No IPv6 loopback here: 127.0.0.1 is enough for Chromium's localhost.
      if (host === '::1' && servers.length > 0 && ['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(error.code)) continue;
      throw new Error(`cannot serve ${origin} on ${host}: ${error.message}`);
    }
  }
  return servers;
}

// ---- checks of the server without a browser --------------------------------

/** An HTTP request with exactly these headers (fetch would add or refuse some). */
function request(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(config.timeoutMs, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.end(body);
  });
}

function preflight(origin) {
  return request('OPTIONS', config.api, {
    Origin: origin,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'authorization,content-type',
  });
}

async function serverChecks() {
  const allowed = await preflight(config.allowedOrigin);
  check(
    allowed.headers['access-control-allow-origin'] === config.allowedOrigin,
    `preflight from ${config.allowedOrigin} is allowed`,
    `HTTP ${allowed.status}, Access-Control-Allow-Origin: ${allowed.headers['access-control-allow-origin'] ?? '(none)'}`,
  );
  const refused = await preflight(config.refusedOrigin);
  const acao = refused.headers['access-control-allow-origin'];
  check(
    acao === undefined || (acao !== '*' && acao !== config.refusedOrigin),
    `preflight from ${config.refusedOrigin} is not allowed`,
    `HTTP ${refused.status}, Access-Control-Allow-Origin: ${acao}`,
  );

  // The client only ever sends document ids; the server must refuse text.
  const freeText = await request(
    'POST',
    config.api,
    { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' },
    JSON.stringify({ query: '{ __typename }' }),
  );
  let answer;
  try {
    answer = JSON.parse(freeText.body);
  } catch {
    answer = {};
  }
  check(
    answer.data == null && Array.isArray(answer.errors) && answer.errors.length > 0,
    'a free-text query is refused (trusted documents are on)',
    `HTTP ${freeText.status}: ${freeText.body.slice(0, 300)}`,
  );
}

// ---- the browser --------------------------------------------------------------

/** Logs in through the form and waits until the page has settled. */
async function logIn(page, username) {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', config.password);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('body[data-state=ready], body[data-state=error]');
}

async function screenshot(page, name) {
  const file = path.join(config.screenshots, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`     screenshot ${path.relative(process.cwd(), file) || file}`);
}

function pageUrl(origin) {
  return `${origin}/index.html?api=${encodeURIComponent(config.api)}`;
}

/** A fresh page that keeps its console and failed requests for the report. */
async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(config.timeoutMs);
  const log = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => log.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return { context, page, log };
}

async function allowedOrigin(browser) {
  const { context, page, log } = await newPage(browser);
  try {
    await page.goto(pageUrl(config.allowedOrigin));
    await logIn(page, config.caseWorker);
    const state = await page.getAttribute('body', 'data-state');
    const error = (await page.textContent('#error')) ?? '';
    check(state === 'ready', `${config.caseWorker} logs in on ${config.allowedOrigin} and the children load`, `state ${state}, error "${error}"`);
    const rows = page.locator('#children-body tr');
    const count = await rows.count();
    check(count >= 1, `the case worker's children are shown (${count} rows)`, (await page.textContent('#children-status')) ?? '');
    const first = rows.first().locator('td');
    const given = ((await first.nth(0).textContent()) ?? '').trim();
    const family = ((await first.nth(1).textContent()) ?? '').trim();
    check(given !== '' && given !== '–' && family !== '' && family !== '–', `the first child has a name (${given} ${family})`);

    // A placement: the first child that has one.
    const placed = page.locator('#children-body tr', { has: page.locator('button') }).first();
    check((await placed.count()) === 1, 'at least one child has a current placement');
    const childId = await placed.getAttribute('data-child-id');
    await placed.locator('button').click();
    await page.waitForSelector('#placement:not([hidden]) dd, body[data-state=error]');
    const details = (await page.locator('#placement-details').textContent()) ?? '';
    check(await page.isHidden('#error'), 'the placement opens', `${await page.textContent('#error')}`);
    check(/Type\s*[A-Z_]+/.test(details), 'the placement shows its type', details);
    await screenshot(page, 'allowed-origin.png');
    return childId;
  } catch (error) {
    await screenshot(page, 'allowed-origin.png').catch(() => {});
    console.error(log.join('\n'));
    throw error;
  } finally {
    await context.close();
  }
}

async function auditor(browser, childId) {
  const { context, page, log } = await newPage(browser);
  try {
    await page.goto(pageUrl(config.allowedOrigin));
    await logIn(page, config.auditor);
    check(await page.isVisible('#session'), `${config.auditor} logs in`, `${await page.textContent('#error')}`);
    await page.fill('input[name=childId]', childId ?? '');
    await page.click('#report-form button[type=submit]');
    await page.waitForFunction(() => /events$/.test(document.getElementById('report-status')?.textContent ?? '') || !document.getElementById('error')?.hidden);
    check(await page.isHidden('#error'), 'the access report loads', `${await page.textContent('#error')}`);
    const who = await page.locator('#report-body tr td:nth-child(3)').allTextContents();
    check(
      who.includes(config.caseWorker),
      `the access report of the child shows ${config.caseWorker}'s access (${who.length} events)`,
      `actors: ${[...new Set(who)].join(', ')}`,
    );
    await screenshot(page, 'auditor-access-report.png');
  } catch (error) {
    await screenshot(page, 'auditor-access-report.png').catch(() => {});
    console.error(log.join('\n'));
    throw error;
  } finally {
    await context.close();
  }
}

async function refusedOrigin(browser) {
  const { context, page, log } = await newPage(browser);
  try {
    await page.goto(pageUrl(config.refusedOrigin));
    await logIn(page, config.caseWorker);
    const state = await page.getAttribute('body', 'data-state');
    const error = (await page.textContent('#error')) ?? '';
    check(state === 'error' && (await page.isVisible('#error')), `on ${config.refusedOrigin} the login fails with an error on the page`, `state ${state}`);
    check(/could not reach/.test(error) && /Failed to fetch/i.test(error), 'the error is a refused request', error);
    check((await page.locator('#children-body tr').count()) === 0 && (await page.isHidden('#session')), 'no case data is shown');
    // The reason, as Chromium reports it on the console.
    const cors = log.find((line) => /blocked by CORS policy/.test(line));
    check(cors !== undefined, 'Chromium reports the CORS refusal', log.join('\n'));
    console.log(`     ${cors}`);
    await screenshot(page, 'refused-origin.png');
  } catch (error) {
    await screenshot(page, 'refused-origin.png').catch(() => {});
    console.error(log.join('\n'));
    throw error;
  } finally {
    await context.close();
  }
}

async function main() {
  await stat(path.join(config.dist, 'index.html')).catch(() => {
    throw new CheckFailed(`${config.dist}/index.html is missing: run npm run build`);
  });
  await mkdir(config.screenshots, { recursive: true });
  const servers = [...(await serveOrigin(config.allowedOrigin)), ...(await serveOrigin(config.refusedOrigin))];
  let browser;
  try {
    await serverChecks();
    browser = await chromium.launch({
      executablePath: config.chromium,
      headless: true,
      // CI runs as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      timeout: config.timeoutMs,
    });
    pass(`Chromium ${browser.version()} started`);
    const childId = await allowedOrigin(browser);
    await auditor(browser, childId);
    await refusedOrigin(browser);
  } finally {
    await browser?.close().catch(() => {});
    for (const s of servers) s.close();
  }
}

main().then(
  () => console.log(`browser test passed in ${elapsed()}`),
  (error) => {
    console.error(`FAIL ${elapsed().padStart(6)}  ${error instanceof CheckFailed ? error.message : error.stack ?? error}`);
    process.exit(1);
  },
);
