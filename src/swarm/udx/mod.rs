//! UDX: reliable, ordered, congestion-controlled streams plus raw datagrams over one UDP
//! socket, wire-compatible with libudx (npm `udx-native`).
