//! The JSON-RPC 2.0 envelope: parsing a body (one call or a batch) totally, the error
//! codes by name, and building answers. Routing by API id and who may call what live
//! in the host; this module knows only the envelope.
//!
//! It never panics on input and never echoes more of a bad body than its `id`.

use serde_json::{json, Value};

/// A JSON-RPC error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub i64);

impl ErrorCode {
    /// The body is not JSON.
    pub const PARSE_ERROR: ErrorCode = ErrorCode(-32700);
    /// The JSON is not a request (or the body is too large).
    pub const INVALID_REQUEST: ErrorCode = ErrorCode(-32600);
    /// No such method, or no service exports the API.
    pub const METHOD_NOT_FOUND: ErrorCode = ErrorCode(-32601);
    /// The params do not fit the method.
    pub const INVALID_PARAMS: ErrorCode = ErrorCode(-32602);
    /// Something broke inside.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(-32603);
    /// The exporting service is down or did not answer in time.
    pub const UNAVAILABLE: ErrorCode = ErrorCode(-32000);
    /// The caller may not do this, or the thing is not there: the code the original
    /// Atek gave every handler error (`GeneralError`), kept for its clients.
    pub const NOT_AUTHORIZED: ErrorCode = ErrorCode(-32003);
    /// A value its schema refuses (the original's `ValidationError`).
    pub const VALIDATION: ErrorCode = ErrorCode(-32002);
    /// No such thing, or one the caller may not see (the original's `NotFoundError`).
    pub const NOT_FOUND: ErrorCode = ErrorCode(-32003);
    /// The caller sees it but may not do this (the original's `PermissionsError`).
    pub const PERMISSION_DENIED: ErrorCode = ErrorCode(-32004);
}

/// One call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Its id (`None`: a notification, which gets no answer).
    pub id: Option<Value>,
    /// The method.
    pub method: String,
    /// The params (`[]` when absent).
    pub params: Value,
}

/// A parsed body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// One call, or the error answer for a malformed one.
    Single(Result<Call, Value>),
    /// A batch: each call, or the error answer for a malformed member.
    Batch(Vec<Result<Call, Value>>),
}

/// Parses a request body; `Err` is the whole answer (parse error, empty batch).
pub fn parse(bytes: &[u8]) -> Result<Body, Value> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| {
        error(
            Value::Null,
            ErrorCode::PARSE_ERROR,
            "Parse error: the body is not JSON",
        )
    })?;
    match value {
        Value::Array(items) if items.is_empty() => Err(error(
            Value::Null,
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: an empty batch",
        )),
        Value::Array(items) => Ok(Body::Batch(items.into_iter().map(call).collect())),
        other => Ok(Body::Single(call(other))),
    }
}

fn call(value: Value) -> Result<Call, Value> {
    let Value::Object(mut obj) = value else {
        return Err(error(
            Value::Null,
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: not an object",
        ));
    };
    let id = obj.remove("id");
    let answer_id = id.clone().unwrap_or(Value::Null);
    if !matches!(
        id,
        None | Some(Value::Null | Value::String(_) | Value::Number(_))
    ) {
        return Err(error(
            Value::Null,
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: id must be a string, number or null",
        ));
    }
    if obj.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(error(
            answer_id,
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: jsonrpc must be \"2.0\"",
        ));
    }
    let Some(Value::String(method)) = obj.remove("method") else {
        return Err(error(
            answer_id,
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: method must be a string",
        ));
    };
    let params = match obj.remove("params") {
        None => Value::Array(Vec::new()),
        Some(p @ (Value::Array(_) | Value::Object(_))) => p,
        Some(_) => {
            return Err(error(
                answer_id,
                ErrorCode::INVALID_REQUEST,
                "Invalid Request: params must be an array or object",
            ))
        }
    };
    Ok(Call { id, method, params })
}

/// An error answer.
pub fn error(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code.0, "message": message}})
}

/// A result answer.
pub fn result(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: &Value) -> i64 {
        v["error"]["code"].as_i64().unwrap()
    }

    #[test]
    fn single_calls_and_batches_parse() {
        let one = parse(br#"{"jsonrpc":"2.0","id":1,"method":"list"}"#).unwrap();
        assert_eq!(
            one,
            Body::Single(Ok(Call {
                id: Some(json!(1)),
                method: "list".into(),
                params: json!([])
            }))
        );
        let Body::Batch(items) =
            parse(br#"[{"jsonrpc":"2.0","id":"a","method":"x","params":{"k":1}},{"jsonrpc":"2.0","method":"note"},5]"#)
                .unwrap()
        else {
            panic!("a batch")
        };
        assert_eq!(items[0].as_ref().unwrap().params, json!({"k": 1}));
        assert_eq!(items[1].as_ref().unwrap().id, None);
        assert_eq!(code(items[2].as_ref().unwrap_err()), -32600);
    }

    #[test]
    fn garbage_gets_the_right_codes() {
        assert_eq!(code(&parse(b"{not json").unwrap_err()), -32700);
        assert_eq!(code(&parse(b"[]").unwrap_err()), -32600);
        for bad in [
            &br#"{"jsonrpc":"1.0","id":1,"method":"x"}"#[..],
            br#"{"jsonrpc":"2.0","id":1,"method":7}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"x","params":"s"}"#,
            br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#,
            b"17",
        ] {
            let Body::Single(Err(answer)) = parse(bad).unwrap() else {
                panic!("{bad:?} should be refused")
            };
            assert_eq!(code(&answer), -32600);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_or_answer(bytes: Vec<u8>) {
            let _ = parse(&bytes);
        }
    }
}
