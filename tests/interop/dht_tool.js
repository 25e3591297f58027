// The real Node hyperdht@6 stack, driven by spork's interop tests.
// Every command prints one JSON line on stdout and exits 0 only on success.
//
//   node dht_tool.js testnet N [BOOTSTRAP]   start N persistent Node nodes on 127.0.0.1
//                                            (joining BOOTSTRAP if given), print
//                                            {"bootstrap":[..],"nodes":[..]}, run until
//                                            stdin closes
//   node dht_tool.js pair BOOTSTRAP [BYTES]  two peers meet by public key and exchange
//                                            BYTES each way; compares sha256
//   node dht_tool.js records BOOTSTRAP       mutable + immutable put from one peer,
//                                            get from another
//   node dht_tool.js find-node BOOTSTRAP HEX run a FIND_NODE query for HEX, print the
//                                            addresses that replied
//   node dht_tool.js put-records BOOTSTRAP   put a mutable (seq 5) and an immutable record,
//                                            print the public key and hash (hex)
//   node dht_tool.js get-records BOOTSTRAP PKHEX HASHHEX
//                                            read them back, print the values
//   node dht_tool.js announce BOOTSTRAP TOPICHEX
//                                            announce a fresh key under TOPIC, print it
//   node dht_tool.js lookup BOOTSTRAP TOPICHEX  print the public keys found under TOPIC
//   node dht_tool.js find-peer BOOTSTRAP PKHEX  print the nodes holding PK's server record
//   node dht_tool.js serve BOOTSTRAP SEEDHEX BYTES
//                                            listen as the keypair of SEED; each client
//                                            gets BYTES, then a line with the sha256 of
//                                            what it sent and its public key; runs until
//                                            stdin closes
//   node dht_tool.js connect BOOTSTRAP PKHEX BYTES
//                                            connect to PK, send BYTES, read to the end,
//                                            print both sha256s
//   node dht_tool.js swarm BOOTSTRAP TOPICHEX server|client BYTES
//                                            a hyperswarm@4 peer joining TOPIC; each
//                                            connection gets BYTES and prints a line like
//                                            serve's; server mode runs until stdin
//                                            closes, client mode ends after one
//   node dht_tool.js bench-pair BOOTSTRAP BYTES   Node→Node: connect time to the first
//                                            byte and the time to move BYTES
//   node dht_tool.js bench-send BOOTSTRAP PKHEX BYTES   the same against a server
//   node dht_tool.js bench-sink BOOTSTRAP SEEDHEX   a server that sends one byte, then
//                                            reads to the end and ends; until stdin closes
//   node dht_tool.js pipe-server BOOTSTRAP SEEDHEX PORT
//                                            what holesail does, on hyperdht@6: serve the
//                                            key, pipe each connection to 127.0.0.1:PORT
//   node dht_tool.js pipe-client BOOTSTRAP PKHEX
//                                            listen on 127.0.0.1 (any port, printed), pipe
//                                            each connection to PK
//   node dht_tool.js beam BOOTSTRAP KEY|- BYTES [reuse]
//                                            a hyperbeam@3 peer on this DHT: '-' makes a
//                                            passphrase and announces (first line
//                                            {"ok":true,"key":..}), a KEY connects (or
//                                            announces with 'reuse'); sends BYTES, ends,
//                                            reads to the end, prints both sha256s and
//                                            the seconds from connected to the end
//   node dht_tool.js http-server BOOTSTRAP SEEDHEX
//                                            a Node HTTP server on hyperdht@6: each p2p
//                                            connection is handed to http.Server; answers
//                                            every request with JSON {method, url,
//                                            headers, body_sha256}; until stdin closes
// BOOTSTRAP is HOST:PORT[,HOST:PORT...].
const DHT = require('hyperdht')
const createTestnet = require('hyperdht/testnet')
const crypto = require('crypto')

const [cmd, ...args] = process.argv.slice(2)

function sha (buf) { return crypto.createHash('sha256').update(buf).digest('hex') }

function payload (seed, size) {
  const buf = Buffer.alloc(size)
  for (let i = 0; i < size; i += 32) crypto.createHash('sha256').update(seed + i).digest().copy(buf, i)
  return buf
}

function collect (stream) {
  return new Promise((resolve, reject) => {
    const chunks = []
    stream.on('data', (c) => chunks.push(c))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

// secret-stream refuses single writes of 16 MiB or more: send in 64 KiB pieces.
function writeAll (stream, buf) {
  for (let i = 0; i < buf.length; i += 65536) stream.write(buf.subarray(i, i + 65536))
  stream.end()
}

// Resolves once both directions are finished (our writes flushed and acknowledged).
function closed (stream) {
  return new Promise((resolve) => stream.destroyed ? resolve() : stream.once('close', resolve))
}

function done (result, ok) {
  console.log(JSON.stringify({ ok, ...result }))
  process.exit(ok ? 0 : 1)
}

async function testnet (n, bootstrap) {
  const opts = { host: '127.0.0.1' }
  if (bootstrap) opts.bootstrap = bootstrap.split(',')
  const net = await createTestnet(Number(n), opts)
  const nodes = net.nodes.map((d) => `127.0.0.1:${d.address().port}`)
  // Nodes whose dht-rpc id verifies (a lone first node never learns its address).
  const ids = net.nodes.map((d) => d.id ? d.id.toString('hex') : null)
  console.log(JSON.stringify({ ok: true, bootstrap: net.bootstrap.map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`), nodes, ids }))
  process.stdin.resume()
  process.stdin.on('end', async () => { await net.destroy(); process.exit(0) })
}

async function pair (bootstrap, bytes) {
  const size = Number(bytes || 1024 * 1024)
  const toServer = payload('c2s', size)
  const toClient = payload('s2c', size)
  const a = new DHT({ bootstrap: bootstrap.split(','), ephemeral: true, host: '127.0.0.1' })
  const b = new DHT({ bootstrap: bootstrap.split(','), ephemeral: true, host: '127.0.0.1' })
  await Promise.all([a.ready(), b.ready()])

  const keyPair = DHT.keyPair()
  let serverGot = null
  const server = a.createServer((conn) => {
    serverGot = collect(conn)
    conn.end(toClient)
  })
  await server.listen(keyPair)

  const conn = b.connect(keyPair.publicKey)
  conn.end(toServer)
  const fromServer = await collect(conn)
  while (serverGot === null) await new Promise((resolve) => setTimeout(resolve, 10))
  const fromClient = await serverGot
  const ok = sha(fromServer) === sha(toClient) && sha(fromClient) === sha(toServer)
  await server.close()
  await Promise.all([a.destroy(), b.destroy()])
  done({ server_to_client: sha(fromServer), client_to_server: sha(fromClient), bytes: size }, ok)
}

async function records (bootstrap) {
  const writer = new DHT({ bootstrap: bootstrap.split(','), ephemeral: true, host: '127.0.0.1' })
  const reader = new DHT({ bootstrap: bootstrap.split(','), ephemeral: true, host: '127.0.0.1' })
  await Promise.all([writer.ready(), reader.ready()])

  const immutable = Buffer.from('spork immutable ' + Date.now())
  const { hash } = await writer.immutablePut(immutable)
  const gotImmutable = await reader.immutableGet(hash)

  const keyPair = DHT.keyPair()
  await writer.mutablePut(keyPair, Buffer.from('version one'), { seq: 1 })
  await writer.mutablePut(keyPair, Buffer.from('version two'), { seq: 2 })
  const gotMutable = await reader.mutableGet(keyPair.publicKey, { latest: true })

  let seqTooLow = null
  try {
    await writer.mutablePut(keyPair, Buffer.from('stale'), { seq: 1 })
  } catch (e) {
    seqTooLow = e.code || e.message
  }
  const ok = gotImmutable !== null && gotImmutable.value.equals(immutable) &&
    gotMutable !== null && gotMutable.seq === 2 && gotMutable.value.toString() === 'version two'
  await Promise.all([writer.destroy(), reader.destroy()])
  done({
    immutable: gotImmutable && gotImmutable.value.toString(),
    mutable: gotMutable && gotMutable.value.toString(),
    mutable_seq: gotMutable && gotMutable.seq,
    stale_put: seqTooLow
  }, ok)
}

async function findNode (bootstrap, hex) {
  const node = new DHT({ bootstrap: bootstrap.split(','), ephemeral: true, host: '127.0.0.1' })
  await node.ready()
  const replies = []
  const q = node.findNode(Buffer.from(hex, 'hex'))
  for await (const reply of q) replies.push(`${reply.from.host}:${reply.from.port}`)
  await node.destroy()
  done({ replies, closest: q.closestReplies.map((r) => `${r.from.host}:${r.from.port}`) }, replies.length > 0)
}

function client (bootstrap) {
  // DHT_HOST: a peer inside a test's network namespace binds its own interfaces.
  return new DHT({ bootstrap: bootstrap.split(','), ephemeral: true, host: process.env.DHT_HOST || '127.0.0.1' })
}

async function putRecords (bootstrap) {
  const dht = client(bootstrap)
  await dht.ready()
  const keyPair = DHT.keyPair()
  await dht.mutablePut(keyPair, Buffer.from('from node, seq 5'), { seq: 5 })
  const { hash } = await dht.immutablePut(Buffer.from('from node, immutable'))
  await dht.destroy()
  done({ public_key: keyPair.publicKey.toString('hex'), hash: hash.toString('hex') }, true)
}

async function getRecords (bootstrap, pk, hash) {
  const dht = client(bootstrap)
  await dht.ready()
  const m = await dht.mutableGet(Buffer.from(pk, 'hex'), { latest: true })
  const i = await dht.immutableGet(Buffer.from(hash, 'hex'))
  await dht.destroy()
  done({
    mutable: m && m.value.toString(),
    mutable_seq: m && m.seq,
    immutable: i && i.value.toString()
  }, m !== null && i !== null)
}

async function announce (bootstrap, topic) {
  const dht = client(bootstrap)
  await dht.ready()
  const keyPair = DHT.keyPair()
  await dht.announce(Buffer.from(topic, 'hex'), keyPair).finished()
  await dht.destroy()
  done({ public_key: keyPair.publicKey.toString('hex') }, true)
}

async function lookup (bootstrap, topic) {
  const dht = client(bootstrap)
  await dht.ready()
  const found = new Set()
  for await (const reply of dht.lookup(Buffer.from(topic, 'hex'))) {
    for (const peer of reply.peers) found.add(peer.publicKey.toString('hex'))
  }
  await dht.destroy()
  done({ public_keys: [...found] }, found.size > 0)
}

async function findPeer (bootstrap, pk) {
  const dht = client(bootstrap)
  await dht.ready()
  const holders = []
  for await (const reply of dht.findPeer(Buffer.from(pk, 'hex'))) {
    if (reply.peer.publicKey.toString('hex') === pk) holders.push(`${reply.from.host}:${reply.from.port}`)
  }
  await dht.destroy()
  done({ holders }, true)
}

async function serve (bootstrap, seed, bytes) {
  const dht = client(bootstrap)
  await dht.ready()
  const keyPair = DHT.keyPair(Buffer.from(seed, 'hex'))
  const out = payload('node-server', Number(bytes))
  const server = dht.createServer(async (conn) => {
    const got = collect(conn)
    writeAll(conn, out)
    const data = await got
    console.log(JSON.stringify({ event: 'served', received: sha(data), sent: sha(out), remote_key: conn.remotePublicKey.toString('hex') }))
  })
  await server.listen(keyPair)
  console.log(JSON.stringify({ ok: true, public_key: keyPair.publicKey.toString('hex') }))
  process.stdin.resume()
  process.stdin.on('end', async () => { await server.close(); await dht.destroy(); process.exit(0) })
}

async function connect (bootstrap, pk, bytes) {
  const dht = client(bootstrap)
  await dht.ready()
  const out = payload('node-client', Number(bytes))
  const conn = dht.connect(Buffer.from(pk, 'hex'))
  const got = collect(conn)
  writeAll(conn, out)
  const data = await got
  await closed(conn)
  await dht.destroy()
  done({ received: sha(data), sent: sha(out) }, true)
}

async function swarmPeer (bootstrap, topic, mode, bytes) {
  const Hyperswarm = require('hyperswarm')
  const swarm = new Hyperswarm({ bootstrap: bootstrap.split(',') })
  const out = payload('node-swarm', Number(bytes))
  const server = mode === 'server'
  let finished = false
  swarm.on('connection', async (conn, info) => {
    const got = collect(conn)
    writeAll(conn, out)
    const data = await got
    await closed(conn)
    console.log(JSON.stringify({ event: 'served', received: sha(data), sent: sha(out), remote_key: info.publicKey.toString('hex') }))
    if (!server && !finished) {
      finished = true
      await swarm.destroy()
      process.exit(0)
    }
  })
  const discovery = swarm.join(Buffer.from(topic, 'hex'), { server, client: !server })
  await discovery.flushed()
  console.log(JSON.stringify({ ok: true, public_key: swarm.keyPair.publicKey.toString('hex') }))
  if (server) {
    process.stdin.resume()
    process.stdin.on('end', async () => { await swarm.destroy(); process.exit(0) })
  } else {
    setTimeout(() => done({ error: 'no connection' }, false), 60000).unref()
  }
}

// Server side of the benchmarks: one byte first (so clients can time connect-to-first-
// byte), then drain everything and end.
function sinkConnection (conn) {
  conn.write(Buffer.from([1]))
  conn.on('data', () => {})
  conn.on('end', () => conn.end())
  conn.on('error', () => {})
}

// Client side: time to the first byte, then send `bytes` and wait for the server to end.
async function benchClient (dht, pk, bytes) {
  const t0 = process.hrtime.bigint()
  const conn = dht.connect(pk)
  await new Promise((resolve, reject) => { conn.once('data', resolve); conn.once('error', reject) })
  const connectMs = Number(process.hrtime.bigint() - t0) / 1e6
  const chunk = Buffer.alloc(65536, 0x61)
  const t1 = process.hrtime.bigint()
  const ended = new Promise((resolve) => { conn.on('end', resolve); conn.resume() })
  let left = bytes
  while (left > 0) {
    const n = Math.min(left, chunk.length)
    if (!conn.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await new Promise((resolve) => conn.once('drain', resolve))
    left -= n
  }
  conn.end()
  await ended
  const secs = Number(process.hrtime.bigint() - t1) / 1e9
  await closed(conn)
  return { connect_ms: connectMs, secs }
}

async function benchPair (bootstrap, bytes) {
  const a = client(bootstrap)
  const b = client(bootstrap)
  await Promise.all([a.ready(), b.ready()])
  const keyPair = DHT.keyPair()
  const server = a.createServer(sinkConnection)
  await server.listen(keyPair)
  const r = await benchClient(b, keyPair.publicKey, Number(bytes))
  await server.close()
  await Promise.all([a.destroy(), b.destroy()])
  done(r, true)
}

async function benchSend (bootstrap, pk, bytes) {
  const dht = client(bootstrap)
  await dht.ready()
  const r = await benchClient(dht, Buffer.from(pk, 'hex'), Number(bytes))
  await dht.destroy()
  done(r, true)
}

async function benchSink (bootstrap, seed) {
  const dht = client(bootstrap)
  await dht.ready()
  const keyPair = DHT.keyPair(Buffer.from(seed, 'hex'))
  const server = dht.createServer(sinkConnection)
  await server.listen(keyPair)
  console.log(JSON.stringify({ ok: true, public_key: keyPair.publicKey.toString('hex') }))
  process.stdin.resume()
  process.stdin.on('end', async () => { await server.close(); await dht.destroy(); process.exit(0) })
}

function pipeBoth (a, b) {
  a.pipe(b).on('error', () => {})
  b.pipe(a).on('error', () => {})
  a.on('error', () => b.destroy())
  b.on('error', () => a.destroy())
}

async function pipeServer (bootstrap, seed, port) {
  const net = require('net')
  const dht = client(bootstrap)
  await dht.ready()
  const keyPair = DHT.keyPair(Buffer.from(seed, 'hex'))
  const server = dht.createServer((conn) => pipeBoth(conn, net.connect(Number(port), '127.0.0.1')))
  await server.listen(keyPair)
  console.log(JSON.stringify({ ok: true, public_key: keyPair.publicKey.toString('hex') }))
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

async function pipeClient (bootstrap, pk) {
  const net = require('net')
  const dht = client(bootstrap)
  await dht.ready()
  const server = net.createServer((sock) => pipeBoth(sock, dht.connect(Buffer.from(pk, 'hex'))))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  console.log(JSON.stringify({ ok: true, port: server.address().port }))
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

async function beamPeer (bootstrap, key, bytes, reuse) {
  const Hyperbeam = require('hyperbeam')
  const dht = client(bootstrap)
  await dht.ready()
  const opts = { dht, announce: reuse === 'reuse' }
  // hyperbeam takes (options) alone when it should make the passphrase.
  const beam = key === '-' ? new Hyperbeam(opts) : new Hyperbeam(key, opts)
  if (beam.announce) console.log(JSON.stringify({ ok: true, key: beam.key }))
  const out = payload('node-beam', Number(bytes))
  let connectedAt = 0
  beam.once('connected', () => { connectedAt = performance.now() })
  const got = collect(beam)
  writeAll(beam, out)
  const data = await got
  const secs = (performance.now() - connectedAt) / 1000
  await closed(beam)
  done({ event: 'done', received: sha(data), sent: sha(out), bytes_in: data.length, secs }, true)
}

async function httpServer (bootstrap, seed) {
  const http = require('http')
  const web = http.createServer((req, res) => {
    const hash = crypto.createHash('sha256')
    req.on('data', (d) => hash.update(d))
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body_sha256: hash.digest('hex') })
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'node-hyperdht' })
      res.end(body)
    })
  })
  const dht = client(bootstrap)
  await dht.ready()
  const keyPair = DHT.keyPair(Buffer.from(seed, 'hex'))
  const server = dht.createServer((conn) => web.emit('connection', conn))
  await server.listen(keyPair)
  console.log(JSON.stringify({ ok: true, public_key: keyPair.publicKey.toString('hex') }))
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

const commands = {
  'http-server': () => httpServer(args[0], args[1]),
  beam: () => beamPeer(args[0], args[1], args[2], args[3]),
  'pipe-server': () => pipeServer(args[0], args[1], args[2]),
  'pipe-client': () => pipeClient(args[0], args[1]),
  'bench-pair': () => benchPair(args[0], args[1]),
  'bench-send': () => benchSend(args[0], args[1], args[2]),
  'bench-sink': () => benchSink(args[0], args[1]),
  swarm: () => swarmPeer(args[0], args[1], args[2], args[3]),
  serve: () => serve(args[0], args[1], args[2]),
  connect: () => connect(args[0], args[1], args[2]),
  'find-peer': () => findPeer(args[0], args[1]),
  'put-records': () => putRecords(args[0]),
  'get-records': () => getRecords(args[0], args[1], args[2]),
  announce: () => announce(args[0], args[1]),
  lookup: () => lookup(args[0], args[1]),
  testnet: () => testnet(args[0], args[1]),
  pair: () => pair(args[0], args[1]),
  records: () => records(args[0]),
  'find-node': () => findNode(args[0], args[1])
}

if (!commands[cmd]) {
  console.error('usage: node dht_tool.js testnet|pair|records|find-node ...')
  process.exit(2)
}
if (!['testnet', 'serve', 'swarm', 'bench-sink', 'pipe-server', 'pipe-client', 'beam', 'http-server'].includes(cmd)) setTimeout(() => done({ error: 'timed out' }, false), 120000).unref()
commands[cmd]().catch((e) => done({ error: String(e && e.stack || e) }, false))
