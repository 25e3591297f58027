// The real Node hypercore@11 + corestore@7 + hyperswarm@4, driven by spork's hypercore
// interop tests. Every command prints JSON lines on stdout; the first says "ok".
//
//   node core_tool.js write BOOTSTRAP DIR N [client]
//       a corestore in DIR with the named core "w" of N blocks (block i = block(i));
//       joins the core's discovery key on hyperswarm (as a server, or with "client" as a
//       client only) and replicates every connection. Prints {"ok":true,"key":..,
//       "discovery_key":..,"length":N,"public_key":<swarm key>}. stdin lines
//       "append K" append K more blocks and print {"length":..}; "rewrite L K" truncates
//       to L (fork + 1), appends K blocks of forked(i) and prints {"length":..,"fork":..};
//       stdin closing ends it.
//   node core_tool.js read BOOTSTRAP KEY N [ONLY_PEER_HEX] [FORKED_AT]
//       a fresh corestore opens KEY (z-base-32 or hex) as a reader, joins its discovery
//       key as a client (admitting only ONLY_PEER_HEX if given), waits until it has
//       blocks 0..N-1, checks each against block(i) (forked(i) from FORKED_AT on),
//       prints {"done":true,"length":..,"fork":..,"verified":N,"peers":[..],
//       "elapsed_ms":<join to all N downloaded>}.
//   node core_tool.js bench-append DIR N BATCH SINGLE
//       N blocks of 1 KiB appended in batches of BATCH, then SINGLE more one at a time,
//       then N random gets, then a reopen; prints the rates (for benches/hypercore.rs).
//   node core_tool.js make-key DIR
//       makes a core of 3 blocks in DIR and prints its key in both forms (the README's
//       one-liner, as a test).
//   node core_tool.js bee-write BOOTSTRAP DIR N
//       a hyperbee (utf-8 keys, json values) on the named core "bee" of a corestore in
//       DIR: N puts of "items\0key-i" = {n:i} in the order i*7 mod N, a delete of key-1
//       and a 2-put batch; serves it on hyperswarm and prints {"ok":true,"key":..,
//       "length":..,"entries":[{seq,key,value}..]}. stdin lines "put KEY JSON" write one
//       more and print {"length":..}.
//   node core_tool.js bee-read BOOTSTRAP KEY LENGTH ONLY_PEER_HEX
//       opens KEY as a reader (admitting only ONLY_PEER_HEX), waits for LENGTH blocks,
//       prints {"entries":[{seq,key,value}..],"length":..}; stdin lines "wait L" wait
//       for L blocks and print the entries again.
// block(i) = the UTF-8 of "block " + i, padded with '.' to 1024 bytes; forked(i) the same
// of "fork-1 block " + i.
// BOOTSTRAP is HOST:PORT[,HOST:PORT...].
const Corestore = require('corestore')
const Hyperswarm = require('hyperswarm')
const id = require('hypercore-id-encoding')
const b4a = require('b4a')

const [cmd, ...args] = process.argv.slice(2)

function block (i) {
  const b = Buffer.alloc(1024, '.')
  b.write('block ' + i)
  return b
}

function forked (i) {
  const b = Buffer.alloc(1024, '.')
  b.write('fork-1 block ' + i)
  return b
}

function blocks (from, to) {
  const out = []
  for (let i = from; i < to; i++) out.push(block(i))
  return out
}

function say (obj) {
  console.log(JSON.stringify(obj))
}

async function write (bootstrap, dir, n, mode) {
  const store = new Corestore(dir)
  const core = store.get({ name: 'w' })
  await core.ready()
  if (core.length < n) await core.append(blocks(core.length, n))
  const swarm = new Hyperswarm({ bootstrap: bootstrap.split(',') })
  swarm.on('connection', (conn) => store.replicate(conn))
  const client = mode === 'client'
  await swarm.join(core.discoveryKey, { server: !client, client }).flushed()
  say({
    ok: true,
    key: b4a.toString(core.key, 'hex'),
    z32: id.encode(core.key),
    discovery_key: b4a.toString(core.discoveryKey, 'hex'),
    length: core.length,
    public_key: b4a.toString(swarm.keyPair.publicKey, 'hex')
  })
  const drained = onLines(async (line) => {
    const m = /^append (\d+)$/.exec(line)
    const t = /^rewrite (\d+) (\d+)$/.exec(line)
    if (m) {
      await core.append(blocks(core.length, core.length + Number(m[1])))
      say({ length: core.length })
    } else if (t) {
      await core.truncate(Number(t[1]))
      const more = []
      for (let i = core.length; i < core.length + Number(t[2]); i++) more.push(forked(i))
      await core.append(more)
      say({ length: core.length, fork: core.fork })
    }
  })
  process.stdin.on('end', async () => {
    await drained()
    await swarm.destroy()
    await store.close()
    process.exit(0)
  })
}

async function read (bootstrap, key, n, onlyPeer, forkedAt) {
  const expected = (i) => (forkedAt !== undefined && i >= forkedAt ? forked(i) : block(i))
  const dir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'core-read-'))
  const store = new Corestore(dir)
  const core = store.get({ key: id.decode(key) })
  await core.ready()
  const peers = new Set()
  const swarm = new Hyperswarm({
    bootstrap: bootstrap.split(','),
    // true rejects: only the named peer may serve us
    firewall: (remotePublicKey) => !!onlyPeer && b4a.toString(remotePublicKey, 'hex') !== onlyPeer
  })
  swarm.on('connection', (conn, info) => {
    peers.add(b4a.toString(info.publicKey, 'hex'))
    store.replicate(conn)
  })
  const started = Date.now()
  swarm.join(core.discoveryKey, { server: false, client: true })
  say({ ok: true, discovery_key: b4a.toString(core.discoveryKey, 'hex') })
  await untilLength(core, n)
  await core.download({ start: 0, end: n }).done()
  const elapsedMs = Date.now() - started
  let verified = 0
  for (let i = 0; i < n; i++) {
    const got = await core.get(i, { timeout: 60000 })
    if (!b4a.equals(got, expected(i))) {
      say({ error: 'block ' + i + ' differs', got: b4a.toString(got) })
      process.exit(1)
    }
    verified++
  }
  say({ done: true, length: core.length, fork: core.fork, verified, peers: [...peers], elapsed_ms: elapsedMs })
  await swarm.destroy()
  await store.close()
  process.exit(0)
}

async function makeKey (dir) {
  const store = new Corestore(dir)
  const core = store.get({ name: 'demo' })
  await core.append(['hello', 'from', 'node'])
  say({ ok: true, key: b4a.toString(core.key, 'hex'), z32: id.encode(core.key) })
  await store.close()
}

async function benchAppend (dir, n, batch, single) {
  const data = Buffer.alloc(1024, 7)
  let store = new Corestore(dir)
  let core = store.get({ name: 'bench' })
  await core.ready()
  let t = process.hrtime.bigint()
  for (let i = 0; i < n; i += batch) {
    const b = []
    for (let j = 0; j < batch && i + j < n; j++) b.push(data)
    await core.append(b)
  }
  const batched = n / (Number(process.hrtime.bigint() - t) / 1e9)
  t = process.hrtime.bigint()
  for (let i = 0; i < single; i++) await core.append(data)
  const one = single / (Number(process.hrtime.bigint() - t) / 1e9)
  t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await core.get(Math.floor(Math.random() * core.length))
  const gets = n / (Number(process.hrtime.bigint() - t) / 1e9)
  await store.close()
  t = process.hrtime.bigint()
  store = new Corestore(dir)
  core = store.get({ name: 'bench' })
  await core.ready()
  await core.get(core.length - 1)
  const reopenMs = Number(process.hrtime.bigint() - t) / 1e6
  say({ ok: true, batched_per_s: batched, single_per_s: one, gets_per_s: gets, reopen_ms: reopenMs, length: core.length })
  await store.close()
}

async function beeEntries(bee) {
  const entries = []
  for await (const e of bee.createReadStream()) entries.push({ seq: e.seq, key: e.key, value: e.value })
  return entries
}

function onLines(fn) {
  let queue = Promise.resolve()
  let rest = ''
  process.stdin.on('data', (d) => {
    rest += d
    const lines = rest.split('\n')
    rest = lines.pop()
    for (const line of lines) queue = queue.then(() => fn(line.trim()))
  })
  return () => queue
}

// A reorg onto a later fork changes the length with a 'truncate' and no 'append'.
async function untilLength(core, n) {
  while (core.length < n) {
    await new Promise((resolve) => {
      const done = () => {
        core.off('append', done)
        core.off('truncate', done)
        resolve()
      }
      core.on('append', done)
      core.on('truncate', done)
    })
  }
}

async function beeWrite(bootstrap, dir, n) {
  const Hyperbee = require('hyperbee')
  const store = new Corestore(dir)
  const core = store.get({ name: 'bee' })
  await core.ready()
  const bee = new Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'json', extension: false })
  await bee.ready()
  for (let j = 0; j < n; j++) {
    const i = (j * 7) % n
    await bee.put('items\0key-' + String(i).padStart(4, '0'), { n: i })
  }
  await bee.del('items\0key-0001')
  const b = bee.batch()
  await b.put('items\0batch-a', { b: 'a' })
  await b.put('items\0batch-b', { b: 'b' })
  await b.flush()
  const swarm = new Hyperswarm({ bootstrap: bootstrap.split(',') })
  swarm.on('connection', (conn) => store.replicate(conn))
  await swarm.join(core.discoveryKey, { server: true, client: false }).flushed()
  say({ ok: true, key: b4a.toString(core.key, 'hex'), length: core.length, entries: await beeEntries(bee) })
  const drained = onLines(async (line) => {
    const m = /^put (\S+) (.*)$/.exec(line)
    if (!m) return
    await bee.put(m[1].replace('/', '\0'), JSON.parse(m[2]))
    say({ length: core.length })
  })
  process.stdin.on('end', async () => {
    await drained()
    await swarm.destroy()
    await store.close()
    process.exit(0)
  })
}

async function beeRead(bootstrap, key, length, onlyPeer) {
  const Hyperbee = require('hyperbee')
  const dir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'bee-read-'))
  const store = new Corestore(dir)
  const core = store.get({ key: id.decode(key) })
  await core.ready()
  const swarm = new Hyperswarm({
    bootstrap: bootstrap.split(','),
    firewall: (remotePublicKey) => b4a.toString(remotePublicKey, 'hex') !== onlyPeer
  })
  swarm.on('connection', (conn) => store.replicate(conn))
  swarm.join(core.discoveryKey, { server: false, client: true })
  say({ ok: true })
  const bee = new Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'json', extension: false })
  const show = async (n) => {
    await untilLength(core, n)
    say({ length: core.length, entries: await beeEntries(bee) })
  }
  await show(length)
  onLines(async (line) => {
    const m = /^wait (\d+)$/.exec(line)
    if (m) await show(Number(m[1]))
  })
  process.stdin.on('end', async () => {
    await swarm.destroy()
    await store.close()
    process.exit(0)
  })
}

async function beeBench(dir, n, batch, single) {
  const Hyperbee = require('hyperbee')
  const store = new Corestore(dir)
  const core = store.get({ name: 'bench' })
  await core.ready()
  const bee = new Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'json', extension: false })
  await bee.ready()
  const key = (i) => 'key-' + String(i).padStart(6, '0')
  const value = (i) => ({ n: i, pad: 'x'.repeat(1000) })
  let t = process.hrtime.bigint()
  const secs = () => Number(process.hrtime.bigint() - t) / 1e9
  for (let j = 0; j < n; j += batch) {
    const b = bee.batch()
    for (let k = j; k < Math.min(j + batch, n); k++) {
      const i = (k * 7919) % n
      await b.put(key(i), value(i))
    }
    await b.flush()
  }
  const batched = n / secs()
  t = process.hrtime.bigint()
  for (let s = 0; s < single; s++) await bee.put(key(n + s), value(n + s))
  const one = single / secs()
  t = process.hrtime.bigint()
  let x = 0x9e3779b97f4a7c15n
  const mask = (1n << 64n) - 1n
  for (let j = 0; j < n; j++) {
    x ^= (x << 13n) & mask
    x ^= x >> 7n
    x ^= (x << 17n) & mask
    if (!(await bee.get(key(Number(x % BigInt(n)))))) throw new Error('missing')
  }
  const gets = n / secs()
  t = process.hrtime.bigint()
  let count = 0
  for await (const e of bee.createReadStream()) if (e) count++
  const scan = count / secs()
  say({ ok: true, batched_per_s: batched, single_per_s: one, gets_per_s: gets, scan_per_s: scan, records: count })
  await store.close()
}

const commands = {
  'bee-bench': () => beeBench(args[0], Number(args[1]), Number(args[2]), Number(args[3])),
  'bee-write': () => beeWrite(args[0], args[1], Number(args[2])),
  'bee-read': () => beeRead(args[0], args[1], Number(args[2]), args[3]),
  'bench-append': () => benchAppend(args[0], Number(args[1]), Number(args[2]), Number(args[3])),
  write: () => write(args[0], args[1], Number(args[2]), args[3]),
  read: () => read(args[0], args[1], Number(args[2]), args[3], args[4] === undefined ? undefined : Number(args[4])),
  'make-key': () => makeKey(args[0])
}

if (!commands[cmd]) {
  say({ error: 'unknown command ' + cmd })
  process.exit(2)
}
if (cmd === 'read') setTimeout(() => { say({ error: 'timed out' }); process.exit(1) }, 180000).unref()
commands[cmd]().catch((err) => {
  say({ error: String(err && err.stack || err) })
  process.exit(1)
})
