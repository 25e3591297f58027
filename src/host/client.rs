//! The CLI verbs' side of the control channel: JSON-RPC calls to the host running in a
//! folder, over its owner-only socket `DIR/host.sock` (the socket is 0600 and the host
//! checks the peer's uid, so only the host's owner — or root — gets through; no token
//! is needed or sent).
//!
//! Every call has a timeout. It never starts a host and never prints.

use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{json, Value};

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the folder's control socket.
    #[error("no host is running in {}", .0.display())]
    NotRunning(PathBuf),
    /// The host did not answer in time.
    #[error("the host in {} did not answer within {} s", .0.display(), .1.as_secs())]
    TimedOut(PathBuf, Duration),
    /// The connection broke, or the answer was not JSON-RPC.
    #[error("talking to the host: {0}")]
    Broken(String),
    /// The host (or a service) answered with a JSON-RPC error.
    #[error("{code} {message}")]
    Rpc {
        /// The JSON-RPC code.
        code: i64,
        /// Its message.
        message: String,
    },
}

/// A client for the host in one folder.
#[derive(Debug, Clone)]
pub struct Client {
    dir: PathBuf,
}

impl Client {
    /// A client for the host in `dir`.
    pub fn new(dir: &Path) -> Client {
        Client {
            dir: std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned()),
        }
    }

    async fn post(&self, path: &str, body: Vec<u8>, limit: Duration) -> Result<Bytes, ClientError> {
        let socket = self.dir.join("host.sock");
        let attempt = async {
            let stream = tokio::net::UnixStream::connect(&socket)
                .await
                .map_err(|_| ClientError::NotRunning(self.dir.clone()))?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| ClientError::Broken(e.to_string()))?;
            tokio::spawn(conn);
            let req = hyper::Request::post(path)
                .header(hyper::header::HOST, "localhost")
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| ClientError::Broken(e.to_string()))?;
            let res = sender
                .send_request(req)
                .await
                .map_err(|e| ClientError::Broken(e.to_string()))?;
            res.into_body()
                .collect()
                .await
                .map(|c| c.to_bytes())
                .map_err(|e| ClientError::Broken(e.to_string()))
        };
        tokio::time::timeout(limit, attempt)
            .await
            .map_err(|_| ClientError::TimedOut(self.dir.clone(), limit))?
    }

    /// Calls `method` of `api` with `params` as the admin; the result, or the error.
    pub async fn call(
        &self,
        api: &str,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, ClientError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let path = format!(
            "/_atek/gateway?api={}",
            super::router::percent_encode(api, b"")
        );
        let bytes = self
            .post(&path, body.to_string().into_bytes(), limit)
            .await?;
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|_| ClientError::Broken("the answer is not JSON".into()))?;
        if let Some(err) = answer.get("error") {
            return Err(ClientError::Rpc {
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            });
        }
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| ClientError::Broken("the answer has no result".into()))
    }

    /// Has the host write a backup (its own credentials too with `secrets`): the
    /// file it wrote in its folder, and the backup's manifest.
    pub async fn backup(
        &self,
        secrets: bool,
        limit: Duration,
    ) -> Result<(PathBuf, Value), ClientError> {
        let path = format!("/_atek/backup?secrets={}", u8::from(secrets));
        let bytes = self.post(&path, Vec::new(), limit).await?;
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|_| ClientError::Broken("the answer is not JSON".into()))?;
        if answer.get("error").is_some() {
            return Err(ClientError::Broken(
                answer["message"]
                    .as_str()
                    .unwrap_or("the backup failed")
                    .to_string(),
            ));
        }
        let file = answer["path"]
            .as_str()
            .ok_or_else(|| ClientError::Broken("no file in the answer".into()))?;
        Ok((PathBuf::from(file), answer["manifest"].clone()))
    }

    /// A fresh one-time login link.
    pub async fn login_link(&self) -> Result<String, ClientError> {
        let bytes = self
            .post("/_atek/login-link", Vec::new(), Duration::from_secs(10))
            .await?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("url").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| ClientError::Broken("no link in the answer".into()))
    }
}
