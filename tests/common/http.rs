//! HTTP plumbing for the tests of `serve`, `gateway` and the host: a spork server
//! process whose JSON events arrive on a channel, and a raw HTTP/1.1 client that sends
//! paths and headers exactly as written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::spork_bin;

/// A `spork` server process whose stdout JSON events arrive on a channel.
pub struct Server {
    pub child: Child,
    pub events: mpsc::Receiver<Value>,
}

impl Server {
    pub fn start(args: &[&str], boot: &str) -> Server {
        let mut child = Command::new(spork_bin())
            .args(args)
            .arg("--json")
            .env("SPORK_BOOTSTRAP", boot)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn spork");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Server { child, events }
    }

    pub fn event(&self) -> Value {
        self.events
            .recv_timeout(Duration::from_secs(30))
            .expect("no event in time")
    }

    /// Events that arrived so far.
    pub fn drain(&self) -> Vec<Value> {
        self.events.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A gateway on a free port; returns it and the port.
pub fn gateway(boot: &str, extra: &[&str]) -> (Server, u16) {
    let mut args = vec!["gateway", "-p", "0"];
    args.extend(extra);
    let gw = Server::start(&args, boot);
    let ev = gw.event();
    assert_eq!(ev["event"], "listening", "{ev}");
    let port = ev["port"].as_u64().unwrap() as u16;
    (gw, port)
}

/// A raw HTTP/1.1 exchange (no URL normalisation: paths go out as written).
pub fn raw(
    port: u16,
    host: &str,
    request_line: &str,
    headers: &[&str],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{request_line} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes()).unwrap();
    let mut all = Vec::new();
    tcp.read_to_end(&mut all).unwrap();
    parse_response(&all)
}

/// Status, headers (lowercased names) and (dechunked) body of a whole HTTP response.
pub fn parse_response(all: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = all[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

/// Decodes a chunked body.
pub fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One HTTP/1.1 request with a body, sent from source address `from` to
/// 127.0.0.1:`port` with `Host: host`: status, headers (lowercased names), body. A
/// server may answer (413) before reading the whole body: writing stops then.
pub fn request_from(
    port: u16,
    from: &str,
    host: &str,
    head: &str,
    headers: &[&str],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: std::net::SocketAddr = format!("{from}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    let to: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    socket.connect(&to.into()).unwrap();
    let mut tcp: TcpStream = socket.into();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{head} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes()).unwrap();
    let _ = tcp.write_all(body);
    let mut all = Vec::new();
    let _ = tcp.read_to_end(&mut all);
    parse_response(&all)
}

/// The value a response's `Set-Cookie` gives cookie `name`, if it sets one.
pub fn set_cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}
