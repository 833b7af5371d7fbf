//! The checker: validators strategies can own.
//!
//! A `BoxedStrategy` is `'static`, so it cannot borrow `Schemas`' validators: the checker copies
//! the entries reachable from the root (with the direction's `required` applied) into a registry
//! of its own and compiles validators for filtered nodes lazily, on first draw.

use super::*;

pub(super) const CHECK_URI: &str = "stipula:///generate";

/// A copy of the entries reachable from one root, plus the nodes registered for filtering,
/// compiled on first use (after the strategy is built).
pub(super) struct Checker {
    pub(super) direction: Direction,
    pub(super) defs: Mutex<Map<String, Value>>,
    pub(super) registry: OnceLock<Option<Registry<'static>>>,
}

impl Checker {
    pub(super) fn new(schemas: &Schemas, root: SchemaId, direction: Direction) -> Self {
        let mut defs = Map::new();
        let mut queue = vec![root.0];
        let mut seen = HashSet::new();
        while let Some(id) = queue.pop() {
            if id as usize >= schemas.len() || !seen.insert(id) {
                continue;
            }
            let schema = schemas.get(SchemaId(id));
            collect_refs(schema, &mut queue);
            let mut schema = schema.clone();
            apply_direction(&mut schema, direction);
            defs.insert(id.to_string(), schema);
        }
        Checker {
            direction,
            defs: Mutex::new(defs),
            registry: OnceLock::new(),
        }
    }

    /// Adds `schema` to the document; its key under `$defs`.
    pub(super) fn register(&self, schema: &Value) -> String {
        let mut schema = schema.clone();
        apply_direction(&mut schema, self.direction);
        let mut defs = self.defs.lock().unwrap_or_else(|e| e.into_inner());
        let key = format!("g{}", defs.len());
        defs.insert(key.clone(), schema);
        key
    }

    pub(super) fn compile(&self, key: &str) -> Option<Validator> {
        let registry = self
            .registry
            .get_or_init(|| {
                let defs =
                    std::mem::take(&mut *self.defs.lock().unwrap_or_else(|e| e.into_inner()));
                Registry::new()
                    .add(
                        CHECK_URI,
                        // The normalized form's own layout, so the copied entries' `$ref`s
                        // resolve inside this document.
                        jsonschema::Resource::from_contents(Value::Object(Map::from_iter([(
                            vocab::DEFS.to_string(),
                            Value::Object(defs),
                        )]))),
                    )
                    .and_then(|r| r.prepare())
                    .ok()
            })
            .as_ref()?;
        jsonschema::draft202012::options()
            .with_registry(registry)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .with_format("byte", is_base64)
            .build(&json!({ "$ref": format!("{CHECK_URI}#/{}/{key}", vocab::DEFS) }))
            .ok()
    }
}

/// One filter: the validator of one registered node (or entry), compiled on first use. A node
/// that can't be compiled accepts everything, as `Schemas::is_valid` does.
pub(super) struct Check {
    pub(super) checker: Arc<Checker>,
    pub(super) key: String,
    pub(super) validator: OnceLock<Option<Validator>>,
}

impl Check {
    pub(super) fn new(checker: Arc<Checker>, key: String) -> Self {
        Check {
            checker,
            key,
            validator: OnceLock::new(),
        }
    }

    pub(super) fn ok(&self, v: &Value) -> bool {
        match self
            .validator
            .get_or_init(|| self.checker.compile(&self.key))
        {
            Some(validator) => validator.is_valid(v),
            None => true,
        }
    }
}

/// The direction's `x-stipula-required-in-*` joins `required`; the other one goes, so that
/// plain jsonschema validates as `crate::schema::validate` does.
pub(super) fn apply_direction(schema: &mut Value, direction: Direction) {
    let Value::Object(m) = schema else {
        return;
    };
    let (enforced, ignored) = (
        direction.required_keyword(),
        direction.ignored_required_keyword(),
    );
    m.remove(ignored);
    if let Some(Value::Array(extra)) = m.remove(enforced) {
        let required = m
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(r) = required {
            for n in extra {
                if !r.contains(&n) {
                    r.push(n);
                }
            }
        }
    }
    walk::children_mut(schema, |c| apply_direction(c, direction));
}
