//! ADB, the Atek DataBase: JSON documents kept in Hyperbees on our own hypercores.
//! [`bee`] is the B-tree, byte-compatible with Node's `hyperbee@2`; the databases,
//! their access rules and the `adb-api` build on it. Nothing here knows of the host or
//! of HTTP: the host serves these.

pub mod api;
pub mod bee;
pub mod database;
pub mod registry;
pub mod schema;
