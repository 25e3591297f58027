//! A service's log in the dashboard: the last lines as a page, and the lines that come
//! after as server-sent events (`text/event-stream`, one event per line), read with the
//! same follower as `spork logs -f`. Only for a person who may see the service (its
//! owner, or an admin).

use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use hyper::StatusCode;

use super::{render, views, visible, Visit};
use crate::host::logs::{tail, Follower};
use crate::host::Host;

/// Lines shown when the page opens.
const TAIL: usize = 200;

pub(super) async fn page(host: &Arc<Host>, visit: &Visit<'_>, id: &str) -> Response {
    if visible(host, visit, id).await.is_none() {
        return super::not_found();
    }
    let lines = tail(&host.dir.log(id), TAIL);
    let c = visit.chrome(host, "services", None);
    render(
        StatusCode::OK,
        views::LogsPage {
            c,
            id: id.to_string(),
            lines,
        },
    )
}

pub(super) async fn stream(host: &Arc<Host>, visit: &Visit<'_>, id: &str) -> Response {
    if visible(host, visit, id).await.is_none() {
        return super::not_found();
    }
    let Ok(follower) = Follower::new(&host.dir.log(id)) else {
        return super::not_found();
    };
    // Bytes → whole lines → one event each; a partial last line waits for its end.
    let lines = futures_util::stream::unfold(
        (follower, Vec::<u8>::new()),
        |(mut follower, mut partial)| async move {
            loop {
                if let Some(end) = partial.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = partial.drain(..=end).collect();
                    let text = String::from_utf8_lossy(&line[..line.len() - 1]).replace('\r', "");
                    let event = Event::default().data(text);
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (follower, partial),
                    ));
                }
                match follower.next().await {
                    Ok(bytes) => partial.extend_from_slice(&bytes),
                    Err(_) => return None,
                }
            }
        },
    );
    Sse::new(lines)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
