// A udx-native@1.21.3 peer driven by tests/udx_interop.rs and the UDX benchmark.
//
// usage: node udx_peer.js MODE RUST_PORT LOCAL_ID REMOTE_ID [BYTES]
// Binds 127.0.0.1:0, prints {"port":P} on stdout, connects a stream to the Rust peer
// and then, by MODE:
//   exchange  send BYTES random bytes then END; read to END; also a raw datagram and a
//             MESSAGE each way. Prints {"sent":sha256,"recv":sha256,"recvBytes":n,...}.
//   send      only send BYTES (bench: Node→Rust), then END, wait for the peer's END.
//   recv      only receive until END (bench: Rust→Node), then END. Prints {"recvBytes","ms"}.
//   bench-send / bench-recv  like send / recv but with a constant buffer and no hashing,
//             so the benchmark measures the transport, not Node's crypto.
//   reset-by-node  wait for 5 bytes, then destroy the stream.
//   reset-by-rust  write "hello", then wait for the error; prints {"error":code}.
// Everything human goes to stderr. Exits 0 on success.
'use strict'
const UDX = require('udx-native')
const crypto = require('crypto')

const [mode, rustPortS, localIdS, remoteIdS, bytesS] = process.argv.slice(2)
const rustPort = Number(rustPortS)
const bytes = Number(bytesS || 0)
const udx = new UDX()
const socket = udx.createSocket()
socket.bind(0, '127.0.0.1')
const stream = udx.createStream(Number(localIdS))
const out = {}
const messages = []
const raws = []

function finish (code) {
  process.stdout.write(JSON.stringify(out) + '\n')
  setTimeout(() => process.exit(code), 50)
}
const guard = setTimeout(() => { out.error = 'timeout'; finish(3) }, 120000)

socket.on('message', (buf) => raws.push(buf.toString()))
stream.on('message', (buf) => messages.push(buf.toString()))
stream.on('error', (err) => {
  out.error = err.code || String(err)
  if (mode === 'reset-by-rust') { clearTimeout(guard); finish(0) } else { console.error('stream error', err); finish(1) }
})

process.stdout.write(JSON.stringify({ port: socket.address().port }) + '\n')
stream.connect(socket, Number(remoteIdS), rustPort, '127.0.0.1')

function sendRandom (n, done) {
  const h = crypto.createHash('sha256')
  let left = n
  const chunk = 65536
  function pump () {
    while (left > 0) {
      const b = crypto.randomBytes(Math.min(chunk, left))
      left -= b.length
      h.update(b)
      if (!stream.write(b)) return stream.once('drain', pump)
    }
    stream.end()
    done(h.digest('hex'))
  }
  pump()
}

function receiveAll (done) {
  const h = crypto.createHash('sha256')
  let n = 0
  let t0 = 0
  stream.on('data', (b) => { if (!t0) t0 = Date.now(); n += b.length; h.update(b) })
  stream.on('end', () => done(h.digest('hex'), n, Date.now() - t0))
}

if (mode === 'exchange') {
  let pending = 2
  const step = () => {
    if (--pending > 0) return
    out.messages = messages
    out.raws = raws
    clearTimeout(guard)
    stream.once('close', () => finish(0))
  }
  // Unreliable by nature: send each three times.
  for (let i = 0; i < 3; i++) {
    setTimeout(() => {
      socket.send(Buffer.from('raw-from-node'), rustPort, '127.0.0.1')
      stream.send(Buffer.from('msg-from-node')).catch(() => {})
    }, i * 5)
  }
  receiveAll((sha, n) => { out.recv = sha; out.recvBytes = n; step() })
  sendRandom(bytes, (sha) => { out.sent = sha; step() })
} else if (mode === 'send') {
  const t0 = Date.now()
  receiveAll(() => {})
  sendRandom(bytes, (sha) => { out.sent = sha })
  stream.once('close', () => { out.ms = Date.now() - t0; clearTimeout(guard); finish(0) })
} else if (mode === 'recv') {
  receiveAll((sha, n, ms) => {
    out.recv = sha; out.recvBytes = n; out.ms = ms
    stream.end()
    stream.once('close', () => { clearTimeout(guard); finish(0) })
  })
} else if (mode === 'bench-send') {
  const chunk = Buffer.alloc(65536, 0x61)
  let left = bytes
  stream.on('data', () => {})
  const pump = () => {
    while (left > 0) {
      const c = left >= chunk.length ? chunk : chunk.subarray(0, left)
      left -= c.length
      if (!stream.write(c)) return stream.once('drain', pump)
    }
    stream.end()
  }
  pump()
  stream.once('close', () => { clearTimeout(guard); finish(0) })
} else if (mode === 'bench-recv') {
  let n = 0
  stream.on('data', (b) => { n += b.length })
  stream.on('end', () => {
    out.recvBytes = n
    stream.end()
    stream.once('close', () => { clearTimeout(guard); finish(0) })
  })
} else if (mode === 'reset-by-node') {
  let n = 0
  stream.on('data', (b) => {
    n += b.length
    if (n >= 5) { out.destroyed = true; stream.destroy(); clearTimeout(guard); finish(0) }
  })
} else if (mode === 'reset-by-rust') {
  stream.on('data', () => {})
  stream.write(Buffer.from('hello'))
} else {
  console.error('unknown mode', mode)
  process.exit(2)
}
