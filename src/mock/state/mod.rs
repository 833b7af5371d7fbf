//! `stipula mock --state`: the items clients created, per mock and optionally per client.
//!
//! Off by default. When off, `App::state` is `None` and the request path pays one `Option`
//! check (in `answer::stateful`); nothing here is built or locked.
//!
//! What is a collection and what is an item comes from `crate::resources`, the same inference
//! the runner's stateful phase uses (`GET /things/{id}` with the operations on `/things` and
//! `/things/{id}`). This module keeps only the store: [`State`] holds, for each scope (the value
//! of `--state-scope-header`, or one scope for everyone), the collections touched so far; a
//! collection is keyed by mount, resource and the values of the path parameters above the item
//! (`/users/7/pets` and `/users/8/pets` are two collections). A collection starts as a copy of
//! its seeds (the documented examples of its read and list responses that validate as items),
//! the first time a scope touches it. A resource's item shape and seeds are prepared on the
//! first request that reaches it (sampling a base item from a big schema is not free: Stripe's
//! 468 operations would double the startup).
//!
//! Bounded: each scope holds at most `max_items` items and `max_bytes` bytes of item JSON, and
//! the mock at most `max_scopes` scopes. What would pass a bound is refused with 507 Insufficient
//! Storage (see `docs/mock-state.md`), never stored half. One mutex over all scopes: the state is
//! for client development and test runs, not for load; the lock is never held across I/O.
//!
//! `item.rs` builds items (ids, merge patch, list pages) from the spec's schemas; the answers are
//! in `mock::answer::stateful`.

pub(crate) mod item;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::{Value, json};

use super::Mount;
use crate::resources::{Resource, Role, resources};
use crate::spec::Spec;
use item::ItemShape;

/// How the state is kept. Documented in `docs/mock-state.md`.
#[derive(Debug, Clone)]
pub struct StateConfig {
    /// Requests with different values of this header see different states (`X-Client-Id`);
    /// requests without it share one.
    pub scope_header: Option<String>,
    /// Most items one scope holds, over all its collections.
    pub max_items: usize,
    /// Most bytes (of the items' compact JSON) one scope holds.
    pub max_bytes: usize,
    /// Most scopes the mock keeps.
    pub max_scopes: usize,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            scope_header: None,
            max_items: 10_000,
            max_bytes: 32 * 1024 * 1024,
            max_scopes: 64,
        }
    }
}

/// One stored item: its id as text (what a path carries) and its body as a read returns it.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) body: Value,
    bytes: usize,
}

impl Item {
    pub(crate) fn new(id: String, body: Value) -> Item {
        let bytes = id.len() + serde_json::to_vec(&body).map_or(0, |v| v.len());
        Item { id, body, bytes }
    }
}

/// Which collection: the mount, the resource, and the decoded values of the path parameters
/// above the item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) mount: usize,
    pub(crate) resource: usize,
    pub(crate) parents: Vec<String>,
}

/// The items of one collection, in creation order, and how many ids it has handed out.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collection {
    pub(crate) items: Vec<Item>,
    pub(crate) issued: u64,
}

impl Collection {
    pub(crate) fn get(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }
}

#[derive(Debug, Default)]
struct Scope {
    collections: BTreeMap<Key, Collection>,
    items: usize,
    bytes: usize,
}

/// Why a change was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Full {
    Items(usize),
    Bytes(usize),
    Scopes(usize),
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Full::Items(n) => write!(
                f,
                "the mock's state holds its maximum of {n} items (--state-max-items); delete some or POST /__stipula/reset"
            ),
            Full::Bytes(n) => write!(
                f,
                "the mock's state would pass its maximum of {n} bytes (--state-max-bytes); delete some or POST /__stipula/reset"
            ),
            Full::Scopes(n) => write!(
                f,
                "the mock keeps at most {n} scopes (--state-max-scopes); POST /__stipula/reset"
            ),
        }
    }
}

/// What the mock knows about one mount's resources.
#[derive(Debug)]
pub(crate) struct MountState {
    pub(crate) resources: Vec<Resource>,
    /// Per operation of the spec: its resource and role, when it has one the state answers.
    roles: Vec<Option<(usize, Role)>>,
    /// Per resource: how its items are built and its seeds, prepared on the first request that
    /// needs them (`None`: the read documents no JSON item, the state leaves it alone).
    prepared: Vec<OnceLock<Option<Prepared>>>,
    prefix: String,
}

/// A resource ready for the state.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) shape: ItemShape,
    pub(crate) seeds: Vec<Item>,
}

/// The stored items of every scope, and the resources they belong to.
#[derive(Debug)]
pub struct State {
    pub(crate) config: StateConfig,
    pub(crate) mounts: Vec<MountState>,
    scopes: Mutex<HashMap<String, Scope>>,
    /// `--seed`: generated bases and ids follow it.
    seed: u64,
}

impl State {
    /// Finds every mount's resources; their item shapes and seeds are prepared on first use,
    /// so a large spec starts as fast as without `--state`.
    pub fn new(mounts: &[Mount], config: StateConfig, seed: u64) -> State {
        let mounts = mounts
            .iter()
            .map(|m| {
                let spec = &m.spec;
                let found = resources(spec);
                let mut roles = vec![None; spec.operations.len()];
                for (ri, r) in found.iter().enumerate() {
                    for &(op, role) in &r.operations {
                        // An operation on two resources' shapes keeps the first (a collection
                        // listed as the item of another is rare; the first reading wins).
                        if roles[op].is_none() {
                            roles[op] = Some((ri, role));
                        }
                    }
                }
                MountState {
                    prepared: found.iter().map(|_| OnceLock::new()).collect(),
                    resources: found,
                    roles,
                    prefix: m.prefix.clone(),
                }
            })
            .collect();
        State {
            config,
            mounts,
            scopes: Mutex::new(HashMap::new()),
            seed,
        }
    }

    /// A resource's item shape and seeds, made the first time they are asked for.
    pub(crate) fn prepared(&self, spec: &Spec, mount: usize, resource: usize) -> Option<&Prepared> {
        let m = &self.mounts[mount];
        m.prepared[resource]
            .get_or_init(|| {
                let r = &m.resources[resource];
                let shape = ItemShape::new(spec, r, self.seed)?;
                let seeds = item::seeds(spec, r, &shape, self.config.max_items);
                Some(Prepared { shape, seeds })
            })
            .as_ref()
    }

    /// The resource and role of an operation, when the state answers it.
    pub(crate) fn role(&self, mount: usize, operation: usize) -> Option<(usize, Role)> {
        *self.mounts.get(mount)?.roles.get(operation)?
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Scope>> {
        self.scopes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads a collection (seeded if new) without changing it.
    pub(crate) fn read<R>(
        &self,
        scope: &str,
        key: &Key,
        seeds: &[Item],
        f: impl FnOnce(&Collection) -> R,
    ) -> Result<R, Full> {
        // A read stores nothing: an untouched collection (or scope) is read from its seeds,
        // so reads of made-up parents (`/owners/{any}/toys`) cost no memory.
        let scopes = self.lock();
        let scope = scopes.get(scope);
        if let Some(c) = scope.and_then(|s| s.collections.get(key)) {
            return Ok(f(c));
        }
        let (items, bytes) = scope.map_or((0, 0), |s| (s.items, s.bytes));
        Ok(f(&self.seeded(seeds, items, bytes)))
    }

    /// Changes a collection (seeded if new): `f` returns what it wants stored and removed
    /// (`Edit`), which is applied only when it keeps the scope within its bounds.
    pub(crate) fn change<R>(
        &self,
        scope: &str,
        key: &Key,
        seeds: &[Item],
        f: impl FnOnce(&mut Collection) -> (Edit, R),
    ) -> Result<R, Full> {
        let name = scope;
        let mut scopes = self.lock();
        let scope = self.scope(&mut scopes, name)?;
        let (max_items, max_bytes) = (self.config.max_items, self.config.max_bytes);
        let existed = scope.collections.contains_key(key);
        self.collection(scope, key, seeds); // seeded first, so the counts include the seeds
        let (mut items, mut bytes) = (scope.items, scope.bytes);
        let collection = self.collection(scope, key, seeds);
        let (edit, result) = f(collection);
        // A collection is kept once something changed in it, or while it has items of its own:
        // a miss on a made-up parent leaves nothing behind.
        let forget = match &edit {
            Edit::Nothing => !existed,
            Edit::Remove(_) => seeds.is_empty() && collection.items.len() == 1,
            Edit::Put(_) => false,
        };
        if forget {
            if let Some(c) = scope.collections.remove(key) {
                scope.items -= c.items.len();
                scope.bytes -= c.items.iter().map(|i| i.bytes).sum::<usize>();
            }
            if scope.collections.is_empty() {
                scopes.remove(name);
            }
            return Ok(result);
        }
        match edit {
            Edit::Nothing => {}
            Edit::Remove(at) => {
                let gone = collection.items.remove(at);
                items -= 1;
                bytes -= gone.bytes;
            }
            Edit::Put(item) => {
                let old = collection.position(&item.id);
                let old_bytes = old.map_or(0, |at| collection.items[at].bytes);
                if old.is_none() && items + 1 > max_items {
                    return Err(Full::Items(max_items));
                }
                if bytes - old_bytes + item.bytes > max_bytes {
                    return Err(Full::Bytes(max_bytes));
                }
                bytes = bytes - old_bytes + item.bytes;
                match old {
                    Some(at) => collection.items[at] = item,
                    None => {
                        items += 1;
                        collection.items.push(item);
                    }
                }
            }
        }
        scope.items = items;
        scope.bytes = bytes;
        Ok(result)
    }

    fn scope<'s>(
        &self,
        scopes: &'s mut HashMap<String, Scope>,
        name: &str,
    ) -> Result<&'s mut Scope, Full> {
        if !scopes.contains_key(name) {
            if scopes.len() >= self.config.max_scopes {
                return Err(Full::Scopes(self.config.max_scopes));
            }
            scopes.insert(name.to_string(), Scope::default());
        }
        Ok(scopes.get_mut(name).expect("inserted above"))
    }

    /// The collection, copied from its seeds the first time.
    fn collection<'s>(
        &self,
        scope: &'s mut Scope,
        key: &Key,
        seeds: &[Item],
    ) -> &'s mut Collection {
        if !scope.collections.contains_key(key) {
            let c = self.seeded(seeds, scope.items, scope.bytes);
            scope.items += c.items.len();
            scope.bytes += c.items.iter().map(|i| i.bytes).sum::<usize>();
            scope.collections.insert(key.clone(), c);
        }
        scope.collections.get_mut(key).expect("inserted above")
    }

    /// A new collection of the seeds, as many as fit beside what the scope holds.
    fn seeded(&self, seeds: &[Item], mut items: usize, mut bytes: usize) -> Collection {
        let mut c = Collection::default();
        for seed in seeds {
            if items + 1 > self.config.max_items || bytes + seed.bytes > self.config.max_bytes {
                break;
            }
            items += 1;
            bytes += seed.bytes;
            c.items.push(seed.clone());
        }
        c
    }

    /// Forgets one scope, or every scope: collections start again from their seeds.
    pub(crate) fn reset(&self, scope: Option<&str>) {
        let mut scopes = self.lock();
        match scope {
            Some(s) => {
                scopes.remove(s);
            }
            None => scopes.clear(),
        }
    }

    /// Every scope's collections (those touched so far), for `GET /__stipula/state`.
    pub(crate) fn dump(&self) -> Value {
        let scopes = self.lock();
        let mut names: Vec<&String> = scopes.keys().collect();
        names.sort();
        let scopes: serde_json::Map<String, Value> = names
            .into_iter()
            .map(|name| {
                let scope = &scopes[name];
                let collections: Vec<Value> = scope
                    .collections
                    .iter()
                    .map(|(key, c)| {
                        json!({
                            "path": self.collection_path(key),
                            "items": c.items.iter().map(|i| json!({"id": i.id, "body": i.body})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                (
                    name.clone(),
                    json!({"items": scope.items, "bytes": scope.bytes, "collections": collections}),
                )
            })
            .collect();
        json!({
            "limits": {
                "max_items": self.config.max_items,
                "max_bytes": self.config.max_bytes,
                "max_scopes": self.config.max_scopes,
            },
            "scope_header": self.config.scope_header,
            "scopes": scopes,
        })
    }

    /// The collection's path under its mount's own prefix (`/v1/users/7/pets`).
    pub(crate) fn collection_path(&self, key: &Key) -> String {
        let m = &self.mounts[key.mount];
        let shape = &m.resources[key.resource].collection_shape;
        let mut parents = key.parents.iter();
        let filled: Vec<String> = shape
            .split('/')
            .map(|seg| {
                if seg.contains("{}") {
                    let v = parents.next().map(String::as_str).unwrap_or("");
                    let encoded = percent_encoding::utf8_percent_encode(v, SEGMENT).to_string();
                    seg.replacen("{}", &encoded, 1)
                } else {
                    seg.to_string()
                }
            })
            .collect();
        format!("{}{}", m.prefix, filled.join("/"))
    }
}

/// What a change stores or removes.
pub(crate) enum Edit {
    Nothing,
    /// Stores the item (replacing the one with the same id).
    Put(Item),
    /// Removes the item at this position.
    Remove(usize),
}

/// Characters escaped in a path segment (RFC 3986 `pchar` keeps the rest).
pub(crate) const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'^')
    .add(b'|')
    .add(b'\\')
    .add(b'[')
    .add(b']');
