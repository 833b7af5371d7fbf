//! Rules over operations: `operation-success-response`, `operation-id-missing`,
//! `security-scheme-undefined`. They read the model, and the raw `security` arrays for exact
//! locations (the model keeps requirements without their positions).

use serde_json::Value;

use crate::spec::{Location, Operation, Spec, StatusKey};

use super::Hit;

pub(super) fn check(spec: &Spec, out: &mut Vec<Hit>) {
    let root = Location::new(crate::spec::FileId(0), "");
    security_names(spec, &root.child("security"), out);
    for op in &spec.operations {
        success_response(op, spec, out);
        if op.operation_id.is_none() {
            out.push(Hit::new(
                "operation-id-missing",
                op.at.clone(),
                format!("{} has no operationId", op.label()),
            ));
        }
        security_names(spec, &op.at.child("security"), out);
    }
    for hook in &spec.webhooks {
        security_names(spec, &hook.operation.at.child("security"), out);
    }
}

fn success_response(op: &Operation, spec: &Spec, out: &mut Vec<Hit>) {
    let success = op.responses.iter().any(|r| match r.status {
        StatusKey::Code(c) => (200..400).contains(&c),
        StatusKey::Range(r) => r == 2 || r == 3,
        StatusKey::Default => false,
    });
    if success {
        return;
    }
    let responses = op.at.child("responses");
    let at = if spec.raw(&responses).is_some() {
        responses
    } else {
        op.at.clone()
    };
    out.push(Hit::new(
        "operation-success-response",
        at,
        format!("{} documents no 2xx or 3xx response", op.label()),
    ));
}

/// Every scheme a `security` array names must be defined.
fn security_names(spec: &Spec, at: &Location, out: &mut Vec<Hit>) {
    let Some(Value::Array(requirements)) = spec.raw(at) else {
        return;
    };
    let defined = |name: &str| spec.security_schemes.iter().any(|(n, _)| n == name);
    let container = if spec.dialect == crate::spec::Dialect::Swagger2 {
        "securityDefinitions"
    } else {
        "components/securitySchemes"
    };
    for (i, requirement) in requirements.iter().enumerate() {
        let Value::Object(names) = requirement else {
            continue;
        };
        for name in names.keys().filter(|n| !defined(n)) {
            out.push(Hit::new(
                "security-scheme-undefined",
                at.child(&i.to_string()).child(name),
                format!("security requirement names `{name}`, which {container} does not define"),
            ));
        }
    }
}
