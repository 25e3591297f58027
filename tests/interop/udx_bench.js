// Node→Node udx-native throughput for the UDX benchmark: two sockets and a stream pair
// in one process on 127.0.0.1, BYTES sent one way with backpressure.
// usage: node udx_bench.js BYTES   → prints {"bytes":n,"ms":t}
'use strict'
const UDX = require('udx-native')

const bytes = Number(process.argv[2] || 256 * 1024 * 1024)
const udx = new UDX()
const sa = udx.createSocket()
const sb = udx.createSocket()
sa.bind(0, '127.0.0.1')
sb.bind(0, '127.0.0.1')
const a = udx.createStream(1)
const b = udx.createStream(2)
a.connect(sa, 2, sb.address().port, '127.0.0.1')
b.connect(sb, 1, sa.address().port, '127.0.0.1')
const chunk = Buffer.alloc(65536, 0x61)
let got = 0
const t0 = Date.now()
b.on('data', (d) => { got += d.length })
b.on('end', () => {
  const ms = Date.now() - t0
  process.stdout.write(JSON.stringify({ bytes: got, ms }) + '\n')
  b.end()
})
b.on('close', () => { sa.close(); sb.close() })
let left = bytes
function pump () {
  while (left > 0) {
    const c = left >= chunk.length ? chunk : chunk.subarray(0, left)
    left -= c.length
    if (!a.write(c)) return a.once('drain', pump)
  }
  a.end()
}
pump()
setTimeout(() => { console.error('timeout'); process.exit(3) }, 300000).unref()
