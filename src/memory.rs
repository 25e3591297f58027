//! Giving freed memory back to the system. glibc's malloc keeps what a burst of
//! connections freed in its arenas (measured: a `spork bind` idle at 7 MB stayed at
//! 65 MB after five bursts of 1,000 connections, and `malloc_trim` brought it back to
//! 9 MB), which on a Raspberry Pi is the whole budget. So long-running commands trim
//! the heap every few seconds; elsewhere (musl, other systems) this does nothing.
//!
//! This is the one place with `unsafe` in the library: a call into libc that takes no
//! pointers. It never allocates, prints or fails.

use std::time::Duration;

/// How often the heap is trimmed. A trim walks the free lists (about a millisecond
/// for tens of megabytes here), so this costs nothing measurable.
pub const TRIM_EVERY: Duration = Duration::from_secs(10);

/// Returns freed heap memory to the system, where the allocator can.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim takes a plain integer, touches only the allocator's own
    // state under its own locks, and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Trims the heap every [`TRIM_EVERY`] until the runtime shuts down.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(TRIM_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            trim();
        }
    });
}
