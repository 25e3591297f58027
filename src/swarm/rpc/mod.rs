//! dht-rpc: the Kademlia-style UDP request/response layer under HyperDHT.
