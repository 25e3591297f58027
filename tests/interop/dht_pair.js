// Two hyperdht@6 peers that know only the given bootstrap node(s) find each other:
// one listens on a keypair, the other connects by public key; they exchange data
// both ways and compare sha256. Exit 0 only if both directions arrived intact.
// Usage: node dht_pair.js HOST:PORT[,HOST:PORT] [bytes]
const DHT = require('hyperdht')
const crypto = require('crypto')

const bootstrap = process.argv[2].split(',')
const size = Number(process.argv[3] || 1024 * 1024)

function payload (seed) {
  const buf = Buffer.alloc(size)
  for (let i = 0; i < size; i += 32) crypto.createHash('sha256').update(seed + i).digest().copy(buf, i)
  return buf
}

function sha (buf) { return crypto.createHash('sha256').update(buf).digest('hex') }

function collect (stream) {
  return new Promise((resolve, reject) => {
    const chunks = []
    stream.on('data', (c) => chunks.push(c))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

async function main () {
  const toServer = payload('c2s')
  const toClient = payload('s2c')
  const a = new DHT({ bootstrap, ephemeral: true })
  const b = new DHT({ bootstrap, ephemeral: true })
  await a.ready()
  await b.ready()

  const keyPair = DHT.keyPair()
  let serverGot
  const server = a.createServer((conn) => {
    serverGot = collect(conn)
    conn.end(toClient)
  })
  await server.listen(keyPair)

  const conn = b.connect(keyPair.publicKey)
  const clientGot = collect(conn)
  conn.end(toServer)
  const [fromServer, fromClient] = await Promise.all([clientGot, new Promise((resolve) => {
    const wait = () => serverGot ? resolve(serverGot) : setTimeout(wait, 10)
    wait()
  })])
  const ok = sha(fromServer) === sha(toClient) && sha(fromClient) === sha(toServer)
  console.log(JSON.stringify({ ok, server_to_client: sha(fromServer), client_to_server: sha(fromClient) }))
  await server.close()
  await a.destroy()
  await b.destroy()
  process.exit(ok ? 0 : 1)
}

setTimeout(() => { console.error('timed out'); process.exit(3) }, 60000).unref()
main().catch((e) => { console.error(e); process.exit(2) })
