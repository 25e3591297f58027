//! HyperDHT: the commands a DHT node serves for others on top of dht-rpc.
