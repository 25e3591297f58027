//! The home cloud (`spork host`), assembled from the floors below it: services with
//! their manifests, sandboxes and supervision, the API gateway, users and sessions.
//! Built piece by piece (issue 11).
//!
//! Only `commands/` and this module may print; nothing below knows the host exists.

pub mod dir;
pub mod ids;
pub mod logs;
pub mod manifest;
pub mod network;
pub mod sandbox;
pub mod services;
pub mod store;
