// A Node peer for tests/secretstream_interop.rs: the real noise-handshake@4 +
// noise-curve-ed (as hyperdht's NoiseWrap runs them, prologue NS.PEER_HANDSHAKE) and
// @hyperswarm/secret-stream over a udx-native stream, against spork's Rust versions.
//
// usage: node secretstream_peer.js ROLE BYTES      (ROLE: responder | initiator)
// Lines of JSON, Rust on stdin, Node on stdout:
//   node → {"port":P,"id":7,"publicKey":hex}
//   rust → {"port":P,"id":N,"publicKey":hex[,"msg1":hex]}   (msg1 iff Node responds)
//   responder: node → {"msg2":hex,"payload":hex,"remotePublicKey":hex}
//   initiator: node → {"msg1":hex}; rust → {"msg2":hex}; (node checks the payload)
// Then both sides run secret-stream: one encrypted datagram each way, BYTES random bytes
// each way, END. Finally node → {"recv":sha256,"recvBytes":n,"sent":sha256,
// "datagram":text,"handshakeHash":hex}. Everything human goes to stderr.
'use strict'
const UDX = require('udx-native')
const NoiseHandshake = require('noise-handshake')
const curve = require('noise-curve-ed')
const NoiseSecretStream = require('@hyperswarm/secret-stream')
const { NS } = require('hyperdht/lib/constants')
const crypto = require('crypto')
const readline = require('readline')

const [role, bytesS] = process.argv.slice(2)
const bytes = Number(bytesS || 0)
const udx = new UDX()
const socket = udx.createSocket()
socket.bind(0, '127.0.0.1')
const stream = udx.createStream(7)
const keyPair = curve.generateKeyPair()
const out = {}

function say (obj) { process.stdout.write(JSON.stringify(obj) + '\n') }
function fail (msg) { console.error(msg); out.error = String(msg); say(out); setTimeout(() => process.exit(1), 50) }
setTimeout(() => fail('timeout'), 120000).unref()

const lines = readline.createInterface({ input: process.stdin })
const waiting = []
lines.on('line', (l) => { const w = waiting.shift(); if (w) w(JSON.parse(l)) })
function nextLine () { return new Promise((resolve) => waiting.push(resolve)) }

say({ port: socket.address().port, id: 7, publicKey: keyPair.publicKey.toString('hex') })

async function main () {
  const rust = await nextLine()
  stream.connect(socket, rust.id, rust.port, '127.0.0.1')
  const isInitiator = role === 'initiator'
  const hs = new NoiseHandshake('IK', isInitiator, keyPair, { curve })
  if (isInitiator) {
    hs.initialise(NS.PEER_HANDSHAKE, Buffer.from(rust.publicKey, 'hex'))
    say({ msg1: Buffer.from(hs.send(Buffer.from('node initiator'))).toString('hex') })
    const { msg2 } = await nextLine()
    const payload = Buffer.from(hs.recv(Buffer.from(msg2, 'hex')))
    if (payload.toString() !== 'rust responder') throw new Error('bad payload ' + payload)
  } else {
    hs.initialise(NS.PEER_HANDSHAKE)
    const payload = Buffer.from(hs.recv(Buffer.from(rust.msg1, 'hex')))
    const msg2 = Buffer.from(hs.send(Buffer.from('node responder')))
    say({ msg2: msg2.toString('hex'), payload: payload.toString('hex'), remotePublicKey: Buffer.from(hs.rs).toString('hex') })
  }
  if (!hs.complete) throw new Error('handshake incomplete')
  out.handshakeHash = Buffer.from(hs.hash).toString('hex')
  const ss = new NoiseSecretStream(isInitiator, stream, {
    handshake: {
      tx: Buffer.from(hs.tx),
      rx: Buffer.from(hs.rx),
      hash: Buffer.from(hs.hash),
      publicKey: keyPair.publicKey,
      remotePublicKey: Buffer.from(hs.rs)
    }
  })
  ss.on('error', (e) => fail('secret stream error: ' + e.message))
  const gotDatagram = new Promise((resolve) => ss.once('message', (m) => resolve(m.toString())))
  await ss.opened
  ss.send(Buffer.from('datagram from node'))

  const recvHash = crypto.createHash('sha256')
  let recvBytes = 0
  ss.on('data', (d) => { recvHash.update(d); recvBytes += d.length })
  const ended = new Promise((resolve) => ss.once('end', resolve))

  const sentHash = crypto.createHash('sha256')
  let left = bytes
  while (left > 0) {
    const b = crypto.randomBytes(Math.min(65536, left))
    left -= b.length
    sentHash.update(b)
    if (!ss.write(b)) await new Promise((resolve) => ss.once('drain', resolve))
  }
  ss.end()
  out.datagram = await gotDatagram
  await ended
  out.recv = recvHash.digest('hex')
  out.recvBytes = recvBytes
  out.sent = sentHash.digest('hex')
  say(out)
  setTimeout(() => process.exit(0), 200)
}

main().catch((e) => fail(e.stack || e))
