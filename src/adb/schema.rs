//! Server-side JSON Schema validation for ADB records: a database may name a schema
//! for a path prefix (`/users`), and every record written under it must validate. The
//! longest matching prefix wins. Schemas are compiled once (the `jsonschema` crate,
//! drafts detected from `$schema`, no network or file resolution), and a refusal names
//! the failing field as a JSON pointer into the record, with the rule it broke.
//!
//! Nothing here stores schemas; the database's configuration does.

use serde_json::Value;

/// Why a schema or a record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The schema itself is not valid JSON Schema.
    #[error("invalid schema for {prefix}: {message}")]
    BadSchema {
        /// The prefix it was given for.
        prefix: String,
        /// What is wrong with it.
        message: String,
    },
    /// A record that does not validate.
    #[error("{path}: field {field}: {message}")]
    Invalid {
        /// The record's path.
        path: String,
        /// The failing field, as a JSON pointer (`/` for the whole value).
        field: String,
        /// The rule it broke.
        message: String,
    },
}

/// The schemas of one database, by path prefix.
#[derive(Default)]
pub struct Schemas {
    by_prefix: Vec<(String, jsonschema::Validator)>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.by_prefix.iter().map(|(p, _)| p))
            .finish()
    }
}

/// `/a/b` with one leading slash and none trailing.
fn normalize(prefix: &str) -> String {
    format!("/{}", prefix.trim_matches('/'))
}

impl Schemas {
    /// Sets (or, with `None`, removes) the schema of `prefix`.
    pub fn set(&mut self, prefix: &str, schema: Option<&Value>) -> Result<(), SchemaError> {
        let prefix = normalize(prefix);
        self.by_prefix.retain(|(p, _)| *p != prefix);
        if let Some(schema) = schema {
            let validator =
                jsonschema::validator_for(schema).map_err(|e| SchemaError::BadSchema {
                    prefix: prefix.clone(),
                    message: e.to_string(),
                })?;
            self.by_prefix.push((prefix, validator));
            // Longest first: the most specific prefix is the one that applies.
            self.by_prefix
                .sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        }
        Ok(())
    }

    /// Whether no schema is set.
    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }

    /// Checks `value`, to be written at `path` (`/a/b/key`), against the schema of the
    /// longest prefix that holds it.
    pub fn check(&self, path: &str, value: &Value) -> Result<(), SchemaError> {
        let under = |prefix: &str| {
            prefix == "/"
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        let Some((_, validator)) = self.by_prefix.iter().find(|(p, _)| under(p)) else {
            return Ok(());
        };
        match validator.iter_errors(value).next() {
            None => Ok(()),
            Some(e) => {
                let pointer = e.instance_path().to_string();
                Err(SchemaError::Invalid {
                    path: path.to_string(),
                    field: if pointer.is_empty() {
                        "/".into()
                    } else {
                        pointer
                    },
                    message: e.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn users() -> Value {
        json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 20},
                "age": {"type": "integer", "minimum": 0}
            }
        })
    }

    #[test]
    fn records_under_a_prefix_must_validate_and_the_error_names_the_field() {
        let mut s = Schemas::default();
        s.set("/users", Some(&users())).unwrap();
        s.check("/users/alice", &json!({"name": "Alice", "age": 30}))
            .unwrap();
        let err = s
            .check("/users/bob", &json!({"name": "Bob", "age": -1}))
            .unwrap_err();
        let SchemaError::Invalid { field, path, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!((path.as_str(), field.as_str()), ("/users/bob", "/age"));
        assert!(
            err.to_string().starts_with("/users/bob: field /age: "),
            "{err}"
        );
        let err = s.check("/users/carol", &json!({"age": 3})).unwrap_err();
        assert!(
            matches!(&err, SchemaError::Invalid { field, .. } if field == "/"),
            "{err}"
        );
        // Elsewhere, and in a folder that only shares the name's start, anything goes.
        s.check("/posts/1", &json!({"age": "x"})).unwrap();
        s.check("/usersx/1", &json!({"age": "x"})).unwrap();
    }

    #[test]
    fn the_longest_prefix_applies_and_a_schema_can_be_removed() {
        let mut s = Schemas::default();
        s.set("/", Some(&json!({"type": "object", "required": ["kind"]})))
            .unwrap();
        s.set("/users/", Some(&users())).unwrap();
        s.check("/users/a", &json!({"name": "A"})).unwrap();
        assert!(s.check("/other", &json!({"name": "A"})).is_err());
        s.set("/users", None).unwrap();
        assert!(s.check("/users/a", &json!({"name": "A"})).is_err());
        s.set("/", None).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn a_bad_schema_is_refused() {
        let mut s = Schemas::default();
        let err = s.set("/x", Some(&json!({"type": 5}))).unwrap_err();
        assert!(matches!(err, SchemaError::BadSchema { .. }), "{err}");
    }
}
