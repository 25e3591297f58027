//! Whole messages over a secret stream: what protocols that frame by message (protomux)
//! need instead of the byte stream. One [`SecretStream::send_message`] is exactly one
//! encrypted frame, whatever its size up to [`MAX_MESSAGE`], and
//! [`SecretStream::recv_message`] returns exactly one peer frame, skipping keepalives.
//!
//! A stream is used either through these or through `AsyncRead`/`AsyncWrite`, never
//! both: a partly read frame is not a message any more.

use std::io;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::sodium::ABYTES;
use super::{SecretStream, MAX_FRAME_BODY, READER, WRITER};

/// The largest message one frame carries (the frame's length is a `uint24`).
pub const MAX_MESSAGE: usize = MAX_FRAME_BODY - ABYTES;

impl<S: AsyncRead + AsyncWrite + Unpin> SecretStream<S> {
    /// Polls for the next non-empty message; `None` at a clean end of stream.
    pub fn poll_recv_message(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Vec<u8>>>> {
        self.poll_keepalive(READER, cx);
        if self.out_pos < self.out.len() {
            if let Poll::Ready(Err(e)) = self.poll_drain(READER, cx, 0) {
                return Poll::Ready(Err(e));
            }
        }
        loop {
            let (s, e) = self.plain;
            if s < e {
                self.plain.0 = e;
                return Poll::Ready(Ok(Some(self.raw[s..e].to_vec())));
            }
            if self.next_frame()? {
                continue;
            }
            if self.eof {
                if self.raw_end > self.raw_start {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
                return Poll::Ready(Ok(None));
            }
            ready!(self.poll_fill(cx))?;
        }
    }

    /// The next non-empty message; `None` at a clean end of stream.
    pub async fn recv_message(&mut self) -> io::Result<Option<Vec<u8>>> {
        std::future::poll_fn(|cx| self.poll_recv_message(cx)).await
    }

    /// Queues `msg` as exactly one frame, to go out with [`Self::poll_send_queued`].
    pub fn queue_message(&mut self, msg: &[u8]) -> io::Result<()> {
        if msg.len() > MAX_MESSAGE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a message of {} bytes is over the frame limit", msg.len()),
            ));
        }
        if self.shut {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.queue(msg);
        self.last_write = Instant::now();
        Ok(())
    }

    /// Bytes queued and not yet taken by the inner stream.
    pub fn queued_bytes(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Sends `msg` as exactly one frame and waits until the inner stream took it.
    pub async fn send_message(&mut self, msg: &[u8]) -> io::Result<()> {
        self.queue_message(msg)?;
        std::future::poll_fn(|cx| self.poll_send_queued(cx)).await
    }

    /// Polls the queued frames out (keepalives included) without sending a message.
    pub fn poll_send_queued(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_keepalive(WRITER, cx);
        ready!(self.poll_drain(WRITER, cx, 0))?;
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
}
