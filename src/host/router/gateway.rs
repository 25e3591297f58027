//! The API gateway: `POST /_atek/gateway?api=API_ID` with a JSON-RPC body, routed to
//! the host's own APIs or to the running service exporting the API (its `rpc` export,
//! over its socket, within the call timeout); a WebSocket upgrade on the same URL is
//! piped to a `proxy` export. Callers are authenticated first; a service may call only
//! its `imports`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use hyper::header;
use hyper::{Method, StatusCode};
use serde_json::Value;

use super::login::{self, USER_SESSIONS_API};
use super::{
    caller, csrf_ok, is_upgrade, local_peer, query_param, read_limited, same_origin, set_identity,
    strip_credentials, unauthorized, Caller, Peer, Via, MAX_RPC_BODY,
};
use crate::gateway::proxy;
use crate::gateway::rpc::{self, ErrorCode};
use crate::host::apis;
use crate::host::manifest::Transport;
use crate::host::sessions::Scope;
use crate::host::Host;

/// The largest answer a service may give to a JSON-RPC call (the host holds it whole).
const MAX_RPC_ANSWER: usize = 16 * 1024 * 1024;

fn rpc_answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(super) async fn gateway(host: &Arc<Host>, via: &Via, req: Request) -> Response {
    let api = query_param(&req, "api").filter(|a| !a.is_empty());
    // Signing in needs no session yet: its own rules (login.rs).
    if api.as_deref() == Some(USER_SESSIONS_API) && !is_upgrade(req.headers()) {
        let peer = req.extensions().get::<Peer>().copied();
        return login::sessions_api(host, via, peer, req).await;
    }
    let Some(caller) = caller(host, via, req.headers(), &Scope::Main) else {
        return unauthorized();
    };
    if caller.is_browser() && !same_origin(req.headers()) {
        return (StatusCode::FORBIDDEN, "cross-site request refused\n").into_response();
    }
    if caller.is_browser() && !is_upgrade(req.headers()) && !csrf_ok(host, req.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "the X-Atek-CSRF header is missing or wrong\n",
        )
            .into_response();
    }
    let Some(api) = api else {
        return rpc_answer(
            StatusCode::BAD_REQUEST,
            rpc::error(
                Value::Null,
                ErrorCode::INVALID_REQUEST,
                "missing ?api=API_ID",
            ),
        );
    };
    if let Caller::Service { id, .. } = &caller {
        let allowed = host.services.get(id).is_some_and(|s| s.may_call(&api));
        if !allowed {
            let why =
                format!("Not authorized: {id} may not call {api} (not in its atek.json imports)");
            if is_upgrade(req.headers()) {
                return (StatusCode::FORBIDDEN, why).into_response();
            }
            return refuse_all(req, ErrorCode::NOT_AUTHORIZED, &why).await;
        }
    }
    if is_upgrade(req.headers()) {
        return websocket_api(host, &caller, &api, req).await;
    }
    if req.method() != Method::POST {
        return rpc_answer(
            StatusCode::METHOD_NOT_ALLOWED,
            rpc::error(
                Value::Null,
                ErrorCode::INVALID_REQUEST,
                "use POST with a JSON-RPC body, or a WebSocket",
            ),
        );
    }
    let body = match read_limited(req.into_body(), MAX_RPC_BODY).await {
        Ok(b) => b,
        Err(status) => {
            return rpc_answer(
                status,
                rpc::error(
                    Value::Null,
                    ErrorCode::INVALID_REQUEST,
                    &format!("the request body is larger than {} MiB", MAX_RPC_BODY >> 20),
                ),
            )
        }
    };
    let parsed = match rpc::parse(&body) {
        Ok(p) => p,
        Err(answer) => return rpc_answer(StatusCode::OK, answer),
    };
    if apis::is_host_api(&api) {
        return host_api(host, &caller, &api, parsed).await;
    }
    service_api(host, &caller, &api, parsed, body).await
}

/// Answers every call of the body with the same error.
async fn refuse_all(req: Request, code: ErrorCode, why: &str) -> Response {
    let body = read_limited(req.into_body(), MAX_RPC_BODY)
        .await
        .unwrap_or_default();
    let answer = match rpc::parse(&body) {
        Ok(rpc::Body::Single(call)) => rpc::error(id_of(&call), code, why),
        Ok(rpc::Body::Batch(calls)) => Value::Array(
            calls
                .iter()
                .map(|c| rpc::error(id_of(c), code, why))
                .collect(),
        ),
        Err(_) => rpc::error(Value::Null, code, why),
    };
    rpc_answer(StatusCode::OK, answer)
}

fn id_of(call: &Result<rpc::Call, Value>) -> Value {
    match call {
        Ok(c) => c.id.clone().unwrap_or(Value::Null),
        Err(e) => e.get("id").cloned().unwrap_or(Value::Null),
    }
}

async fn host_api(host: &Arc<Host>, caller: &Caller, api: &str, body: rpc::Body) -> Response {
    let one = |call: Result<rpc::Call, Value>| {
        let host = host.clone();
        async move {
            let call = match call {
                Ok(c) => c,
                Err(answer) => return Some(answer),
            };
            let id = call.id.clone();
            let out = apis::call(&host, api, &call.method, &call.params, caller).await;
            let id = id?;
            Some(match out {
                Ok(v) => rpc::result(id, v),
                Err((code, msg)) => rpc::error(id, code, &msg),
            })
        }
    };
    match body {
        rpc::Body::Single(call) => match one(call).await {
            Some(answer) => rpc_answer(StatusCode::OK, answer),
            None => StatusCode::NO_CONTENT.into_response(),
        },
        rpc::Body::Batch(calls) => {
            let mut answers = Vec::new();
            for call in calls {
                answers.extend(one(call).await);
            }
            if answers.is_empty() {
                StatusCode::NO_CONTENT.into_response()
            } else {
                rpc_answer(StatusCode::OK, Value::Array(answers))
            }
        }
    }
}

async fn service_api(
    host: &Arc<Host>,
    caller: &Caller,
    api: &str,
    body: rpc::Body,
    raw: Bytes,
) -> Response {
    let refuse = |code: ErrorCode, why: &str| match &body {
        rpc::Body::Single(call) => rpc_answer(StatusCode::OK, rpc::error(id_of(call), code, why)),
        rpc::Body::Batch(calls) => rpc_answer(
            StatusCode::OK,
            Value::Array(
                calls
                    .iter()
                    .map(|c| rpc::error(id_of(c), code, why))
                    .collect(),
            ),
        ),
    };
    let exporter = host.services.exporter(api, Transport::Rpc);
    let (service, export) = match exporter {
        Ok(found) => found,
        Err(Some(down)) => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!("{down}, which exports {api}, is not running"),
            )
        }
        Err(None) => {
            return refuse(
                ErrorCode::METHOD_NOT_FOUND,
                &format!("No service available which exports the API {api}"),
            )
        }
    };
    let (user, from) = caller.headers(&service.id);
    let uri = format!("http://{}{}", service.id, export.path);
    let built = hyper::Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "localhost")
        .body(Body::from(raw));
    let Ok(mut req) = built else {
        return refuse(
            ErrorCode::INTERNAL_ERROR,
            &format!(
                "{}'s export path for {api} is not a valid URL path",
                service.id
            ),
        );
    };
    set_identity(req.headers_mut(), &user, &from);
    let limit = host.settings.call_timeout;
    let sent = tokio::time::timeout(limit, host.service_client.request(req)).await;
    let res = match sent {
        Err(_) => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!(
                    "{} did not answer {api} within {} s",
                    service.id,
                    limit.as_secs()
                ),
            )
        }
        Ok(Err(e)) => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!("{} could not be reached: {e}", service.id),
            )
        }
        Ok(Ok(res)) => res,
    };
    let answer = http_body_util::Limited::new(res.into_body(), MAX_RPC_ANSWER);
    let bytes = match tokio::time::timeout(limit, answer.collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        _ => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!(
                    "{} broke off its answer, or it was over {} MiB",
                    service.id,
                    MAX_RPC_ANSWER >> 20
                ),
            )
        }
    };
    if bytes.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
        return refuse(
            ErrorCode::PARSE_ERROR,
            &format!("{} answered with something that is not JSON", service.id),
        );
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// A WebSocket to a `proxy`-transport API: piped to the exporter's export path.
async fn websocket_api(host: &Arc<Host>, caller: &Caller, api: &str, mut req: Request) -> Response {
    let (service, export) = match host.services.exporter(api, Transport::Proxy) {
        Ok(found) => found,
        Err(_) => {
            return (
                StatusCode::NOT_FOUND,
                format!("No running service exports the WebSocket API {api}\n"),
            )
                .into_response()
        }
    };
    let (user, from) = caller.headers(&service.id);
    set_identity(req.headers_mut(), &user, &from);
    strip_credentials(req.headers_mut());
    let uri: hyper::Uri = match format!("http://{}{}", service.id, export.path).parse() {
        Ok(u) => u,
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    match proxy::send(&host.service_client, None, uri, req, local_peer()).await {
        Ok(res) => res,
        Err(e) => (StatusCode::BAD_GATEWAY, format!("{}: {e}\n", service.id)).into_response(),
    }
}
