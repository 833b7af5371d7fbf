//! Checks across operations, run once everything is built: path parameters declared by the
//! template, operationId uniqueness, and path templates that clash (the same shape, `/a/{}`,
//! for one method). Also the path-template helpers (shape, variables) that routers and diff
//! share, so every consumer agrees on what "the same path" means.

use std::collections::HashMap;

use super::*;
use crate::spec::model::*;
use crate::spec::refs::Location;

impl Builder<'_> {
    pub(super) fn check_path_parameters(&mut self, op: &Operation) {
        let vars = template_variables(&op.path);
        for p in op.parameters.iter().filter(|p| p.location == ParamIn::Path) {
            if !vars.contains(&p.name) {
                self.warn_of(
                    DiagnosticKind::PathParamUnused,
                    &p.at,
                    format!(
                        "path parameter `{}` does not appear in the path `{}`",
                        p.name, op.path
                    ),
                );
            }
        }
        for var in vars {
            if !op
                .parameters
                .iter()
                .any(|p| p.location == ParamIn::Path && p.name == var)
            {
                self.warn_of(
                    DiagnosticKind::PathParamUndeclared,
                    &op.at,
                    format!(
                        "`{{{var}}}` in `{}` has no path parameter declared for it",
                        op.path
                    ),
                );
            }
        }
    }

    /// A duplicate operationId is a warning (lint's `operation-id-unique` still reports it as
    /// an error): the first operation in document order keeps the id, each later one gets
    /// `#2`, `#3`... so every consumer (mock config, test selection, reports) can still name it.
    pub(super) fn check_unique_operation_ids(&mut self, operations: &mut [Operation]) {
        let mut seen: HashMap<String, (usize, Location, String)> = HashMap::new();
        for op in operations.iter_mut() {
            let Some(id) = op.operation_id.clone() else {
                continue;
            };
            let Some((count, first_at, first)) = seen.get_mut(&id) else {
                seen.insert(
                    id,
                    (
                        1,
                        op.at.child("operationId"),
                        format!("{} {}", op.method, op.path),
                    ),
                );
                continue;
            };
            *count += 1;
            let renamed = format!("{id}#{count}");
            let mut d = self
                .sources
                .warning(
                    &op.at.child("operationId"),
                    format!(
                        "duplicate operationId `{id}` ({first} and {} {}): the first keeps it, this one is `{renamed}`",
                        op.method, op.path
                    ),
                )
                .with_kind(DiagnosticKind::DuplicateOperationId);
            d.related = Some(Box::new(self.sources.error(first_at, "").place()));
            self.diagnostics.push(d);
            op.operation_id = Some(renamed);
        }
    }

    /// Two templates that differ only in parameter names (`/a/{id}` and `/a/{name}`) cannot be
    /// told apart by a router. The OpenAPI spec forbids them outright, but real specs (GitHub's
    /// among them) use them with different methods, which a router can still serve: that is a
    /// warning too; the same method under both is also a warning (lint's `path-conflict` still
    /// reports it as an error): no request can choose, so the first in document order answers
    /// the route in the mock (`PathClash`).
    pub(super) fn check_path_conflicts(&mut self, operations: &[Operation]) {
        let mut first_by_shape: HashMap<String, &Operation> = HashMap::new();
        let mut by_route: HashMap<(String, Method), &Operation> = HashMap::new();
        let mut reported: Vec<(String, String)> = Vec::new();
        let item_at = |o: &Operation| {
            Location::new(
                o.at.file,
                o.at.pointer
                    .rsplit_once('/')
                    .map(|(p, _)| p.to_string())
                    .unwrap_or_default(),
            )
        };
        for op in operations {
            let shape = op.shape.clone();
            if let Some(first) = by_route.get(&(shape.clone(), op.method)) {
                let mut d = self.sources.warning(&op.at, format!("{} `{}` conflicts with {} `{}`: the paths differ only in parameter names, so no request can choose between them (the mock answers with the first, in document order)", op.method, op.path, first.method, first.path)).with_kind(DiagnosticKind::PathClash);
                d.related = Some(Box::new(self.sources.error(&first.at, "").place()));
                self.diagnostics.push(d);
                continue;
            }
            by_route.insert((shape.clone(), op.method), op);
            match first_by_shape.get(&shape) {
                Some(first) if first.path != op.path => {
                    let pair = (first.path.clone(), op.path.clone());
                    if !reported.contains(&pair) {
                        let mut d = self.sources.warning(&item_at(op), format!("path `{}` and `{}` differ only in parameter names (OpenAPI forbids this; their methods differ, so requests can still be routed)", op.path, first.path)).with_kind(DiagnosticKind::PathAmbiguous);
                        d.related = Some(Box::new(self.sources.error(&item_at(first), "").place()));
                        self.diagnostics.push(d);
                        reported.push(pair);
                    }
                }
                Some(_) => {}
                None => {
                    first_by_shape.insert(shape, op);
                }
            }
        }
    }
}

/// `/a/{id}/b` → `/a/{}/b`: the shape a router sees (a trailing slash is kept: `/a/` is not `/a`).
pub fn template_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push('{');
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                }
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The `{names}` in a template, in order.
pub fn template_variables(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}
