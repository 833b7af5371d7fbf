//! JSON values as XML, shaped by the schema's XML Objects (OpenAPI 3.x §4.8.26, Swagger 2.0's
//! `xml`): the mock's answer for `application/xml`, `text/xml` and `*+xml` media types when the
//! body is an example object or generated data (a string example is XML already and is sent as
//! it is).
//!
//! A small writer of our own rather than a serializer crate: the element tree is decided by
//! the schema, not by the value's Rust type, and the rules are few:
//! - the root element is the schema's `xml.name`, else the name of the component it comes from
//!   (`#/components/schemas/Pet` gives `<Pet>`, as the OpenAPI examples show), else `xml`
//!   (Prism's choice for an unnamed root);
//! - a property is an element named by its `xml.name`, else its key; `xml.attribute: true` on a
//!   scalar makes it an attribute of its parent;
//! - an array repeats its items' element (named by `items.xml.name`, else the array's name);
//!   `xml.wrapped: true` wraps them in an element of the array's name; a root array is always
//!   wrapped, since a document has one root;
//! - `xml.namespace` declares itself on the element (`xmlns` or `xmlns:prefix`); a `prefix`
//!   is used only where it is declared (on the element or an ancestor), so the output stays
//!   namespace-well-formed.
//!
//! Whatever the value, the output is well-formed XML 1.0: names that are not XML names are
//! mended (`2fa` → `_2fa`), text and attribute values are escaped, and characters XML 1.0 cannot
//! carry at all (most control characters) become U+FFFD. The property test in this file parses
//! every output back with quick-xml.

use serde_json::{Map, Value};

use crate::schema::SchemaId;
use crate::spec::Spec;

/// Serializes `value` as an XML document described by `schema` (when there is one).
pub fn to_xml(spec: &Spec, schema: Option<SchemaId>, value: &Value) -> String {
    let root = schema.map(|id| spec.schemas.get(id));
    let info = root.map(|s| Info::of(spec, s)).unwrap_or_default();
    let component = schema.and_then(|id| component_name(spec, id));
    let name = info
        .name
        .clone()
        .or(component)
        .or_else(|| info.ref_name.clone())
        .unwrap_or_else(|| "xml".to_string());
    let mut w = Writer {
        spec,
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    let mut scope = Vec::new();
    match value {
        // One root: an array at the top is wrapped whatever `wrapped` says.
        Value::Array(items) => {
            let wrapper = Info {
                wrapped: true,
                ..info
            };
            w.array(root, &wrapper, &name, items, &mut scope);
        }
        _ => w.element(root, &info, &name, value, &mut scope),
    }
    w.out
}

/// Nesting beyond which values are written as text (the mock's own generated data never gets
/// there; a documented example might).
const MAX_DEPTH: usize = 256;

/// The XML Object of a schema, read along its `$ref` chain (the first one found wins).
#[derive(Debug, Default, Clone)]
struct Info {
    name: Option<String>,
    namespace: Option<String>,
    prefix: Option<String>,
    attribute: bool,
    wrapped: bool,
    /// The component name the chain passes through, for an unnamed root or item.
    ref_name: Option<String>,
}

impl Info {
    fn of(spec: &Spec, schema: &Value) -> Info {
        let mut info = Info::default();
        let mut current = schema;
        let mut found = false;
        for _ in 0..64 {
            if !found && let Some(xml) = current.get("xml").and_then(Value::as_object) {
                found = true;
                let text = |k: &str| {
                    xml.get(k)
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                };
                info.name = text("name");
                info.namespace = text("namespace");
                info.prefix = text("prefix");
                info.attribute = xml.get("attribute").and_then(Value::as_bool) == Some(true);
                info.wrapped = xml.get("wrapped").and_then(Value::as_bool) == Some(true);
            }
            let Some(id) = ref_id(current) else { break };
            if info.ref_name.is_none() {
                info.ref_name = component_name(spec, id);
            }
            current = spec.schemas.get(id);
        }
        info
    }
}

fn ref_id(schema: &Value) -> Option<SchemaId> {
    let id = schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/$defs/")?
        .parse()
        .ok()?;
    Some(SchemaId(id))
}

/// `Pet` for an entry written at `#/components/schemas/Pet` (or 2.0's `#/definitions/Pet`).
fn component_name(spec: &Spec, id: SchemaId) -> Option<String> {
    let pointer = &spec.schema_location(id).pointer;
    let rest = pointer
        .strip_prefix("/components/schemas/")
        .or_else(|| pointer.strip_prefix("/definitions/"))?;
    (!rest.contains('/')).then(|| rest.replace("~1", "/").replace("~0", "~"))
}

struct Writer<'s> {
    spec: &'s Spec,
    out: String,
    depth: usize,
}

impl<'s> Writer<'s> {
    /// One element for `value`, named `name` (as the schema or key gives it).
    fn element(
        &mut self,
        schema: Option<&Value>,
        info: &Info,
        name: &str,
        value: &Value,
        scope: &mut Vec<String>,
    ) {
        let mut declared = 0;
        let tag = self.qualified(info, name, scope, &mut declared);
        self.out.push('<');
        self.out.push_str(&tag);
        self.declare(info, declared);
        self.depth += 1;
        let resolved = schema.map(|s| self.spec.schemas.resolve(s));
        match value {
            Value::Object(map) if self.depth < MAX_DEPTH => {
                let children = self.attributes(resolved, map, scope);
                if children.is_empty() {
                    self.out.push_str("/>");
                } else {
                    self.out.push('>');
                    for (property, key, v) in children {
                        self.member(property, key, v, scope);
                    }
                    self.close(&tag);
                }
            }
            Value::Array(items) if self.depth < MAX_DEPTH && !items.is_empty() => {
                // An array as an element's content (an unnamed root's items, or an array inside
                // an array): each item in an element named after the items.
                self.out.push('>');
                let items_schema = resolved.and_then(|s| s.get("items"));
                let item_info = items_schema
                    .map(|s| Info::of(self.spec, s))
                    .unwrap_or_default();
                let item_name = item_info
                    .name
                    .clone()
                    .or_else(|| item_info.ref_name.clone())
                    .unwrap_or_else(|| name.to_string());
                for item in items {
                    self.item(items_schema, &item_info, &item_name, item, scope);
                }
                self.close(&tag);
            }
            Value::Null => self.out.push_str("/>"),
            Value::Array(a) if a.is_empty() => self.out.push_str("/>"),
            other => {
                self.out.push('>');
                escape_into(&mut self.out, &scalar_text(other), false);
                self.close(&tag);
            }
        }
        self.depth -= 1;
        scope.truncate(scope.len() - declared);
    }

    /// One item of an array, which may itself be an array (written as an element of arrays).
    fn item(
        &mut self,
        schema: Option<&Value>,
        info: &Info,
        name: &str,
        value: &Value,
        scope: &mut Vec<String>,
    ) {
        let info = Info {
            attribute: false,
            ..info.clone()
        };
        self.element(schema, &info, name, value, scope);
    }

    /// An array property: its items, wrapped or not.
    fn array(
        &mut self,
        schema: Option<&Value>,
        info: &Info,
        name: &str,
        items: &[Value],
        scope: &mut Vec<String>,
    ) {
        let resolved = schema.map(|s| self.spec.schemas.resolve(s));
        let items_schema = resolved.and_then(|s| s.get("items"));
        let item_info = items_schema
            .map(|s| Info::of(self.spec, s))
            .unwrap_or_default();
        let item_name = item_info.name.clone().unwrap_or_else(|| {
            if info.wrapped {
                item_info
                    .ref_name
                    .clone()
                    .unwrap_or_else(|| name.to_string())
            } else {
                name.to_string()
            }
        });
        if !info.wrapped {
            for item in items {
                self.item(items_schema, &item_info, &item_name, item, scope);
            }
            return;
        }
        let mut declared = 0;
        let tag = self.qualified(info, name, scope, &mut declared);
        self.out.push('<');
        self.out.push_str(&tag);
        self.declare(info, declared);
        if items.is_empty() || self.depth >= MAX_DEPTH {
            self.out.push_str("/>");
        } else {
            self.depth += 1;
            self.out.push('>');
            for item in items {
                self.item(items_schema, &item_info, &item_name, item, scope);
            }
            self.close(&tag);
            self.depth -= 1;
        }
        scope.truncate(scope.len() - declared);
    }

    /// One property of an object as a child element (or elements, for an unwrapped array).
    fn member(
        &mut self,
        property: Option<&Value>,
        key: &str,
        value: &Value,
        scope: &mut Vec<String>,
    ) {
        let info = property.map(|p| Info::of(self.spec, p)).unwrap_or_default();
        let name = info.name.clone().unwrap_or_else(|| key.to_string());
        match value {
            Value::Array(items) => self.array(property, &info, &name, items, scope),
            _ => self.element(property, &info, &name, value, scope),
        }
    }

    /// Writes the attributes among an object's members (scalars whose property says
    /// `attribute: true`) and returns the rest, in order, with their property schemas.
    fn attributes<'v>(
        &mut self,
        schema: Option<&'v Value>,
        map: &'v Map<String, Value>,
        scope: &[String],
    ) -> Vec<(Option<&'v Value>, &'v str, &'v Value)>
    where
        's: 'v,
    {
        let mut children = Vec::new();
        let mut written: Vec<String> = Vec::new();
        for (key, v) in map {
            let property = schema.and_then(|s| property_schema(&self.spec.schemas, s, key));
            let info = property.map(|p| Info::of(self.spec, p)).unwrap_or_default();
            let scalar = !matches!(v, Value::Object(_) | Value::Array(_));
            if !(info.attribute && scalar) {
                children.push((property, key.as_str(), v));
                continue;
            }
            let local = xml_name(info.name.as_deref().unwrap_or(key));
            // A prefixed attribute needs its namespace declared; without one it goes unprefixed.
            let attribute = match (&info.prefix, &info.namespace) {
                (Some(p), Some(ns)) if is_xml_name(p) && !p.starts_with("xml") => {
                    if !scope.contains(p) && !written.contains(p) {
                        self.out.push_str(&format!(" xmlns:{p}=\""));
                        escape_into(&mut self.out, ns, true);
                        self.out.push('"');
                        written.push(p.clone());
                    }
                    format!("{p}:{local}")
                }
                (Some(p), None) if scope.contains(p) => format!("{p}:{local}"),
                _ => local,
            };
            // The same attribute twice is not well-formed: the later one loses.
            if written.contains(&attribute) {
                continue;
            }
            self.out.push(' ');
            self.out.push_str(&attribute);
            self.out.push_str("=\"");
            escape_into(&mut self.out, &scalar_text(v), true);
            self.out.push('"');
            written.push(attribute);
        }
        children
    }

    /// The element's qualified name; counts the prefixes it declares into `declared` (pushed
    /// on `scope`).
    fn qualified(
        &mut self,
        info: &Info,
        name: &str,
        scope: &mut Vec<String>,
        declared: &mut usize,
    ) -> String {
        let local = xml_name(name);
        match (&info.prefix, &info.namespace) {
            (Some(p), Some(_)) if is_xml_name(p) && !p.contains(':') && !p.starts_with("xml") => {
                scope.push(p.clone());
                *declared += 1;
                format!("{p}:{local}")
            }
            (Some(p), None) if scope.contains(p) => format!("{p}:{local}"),
            _ => local,
        }
    }

    /// The namespace declaration of an element whose tag was just written.
    fn declare(&mut self, info: &Info, declared: usize) {
        let Some(ns) = &info.namespace else { return };
        if declared > 0 {
            let p = info.prefix.as_deref().unwrap_or_default();
            self.out.push_str(&format!(" xmlns:{p}=\""));
        } else {
            self.out.push_str(" xmlns=\"");
        }
        escape_into(&mut self.out, ns, true);
        self.out.push('"');
    }

    fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }
}

/// The schema of property `key` of an object schema: its `properties`, else the first
/// `allOf`/`anyOf`/`oneOf` member that names it, else `additionalProperties`.
fn property_schema<'s>(
    schemas: &'s crate::schema::Schemas,
    schema: &'s Value,
    key: &str,
) -> Option<&'s Value> {
    let mut stack = vec![schemas.resolve(schema)];
    let mut seen = 0;
    let mut additional = None;
    while let Some(s) = stack.pop() {
        seen += 1;
        if seen > 64 {
            break;
        }
        if let Some(p) = s.get("properties").and_then(|p| p.get(key)) {
            return Some(p);
        }
        if additional.is_none() {
            additional = s.get("additionalProperties").filter(|a| a.is_object());
        }
        for k in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = s.get(k).and_then(Value::as_array) {
                stack.extend(list.iter().rev().map(|m| schemas.resolve(m)));
            }
        }
    }
    additional
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // Nested structures past the depth limit, and non-scalar attributes, as JSON text.
        other => other.to_string(),
    }
}

/// Escapes text (or an attribute value, `attribute`) into `out`. Characters XML 1.0 cannot
/// hold in any form become U+FFFD; CR and, in attributes, TAB and LF are written as character
/// references so that parsers give them back as they were.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
}

/// XML 1.0 `Char`: TAB, LF, CR and everything from U+0020 except U+FFFE and U+FFFF
/// (surrogates cannot be in a Rust string).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// XML 1.0 (fifth edition) `NameStartChar`, without `:` (names here are local names).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{2ff}'
        | '\u{370}'..='\u{37d}' | '\u{37f}'..='\u{1fff}' | '\u{200c}'..='\u{200d}'
        | '\u{2070}'..='\u{218f}' | '\u{2c00}'..='\u{2fef}' | '\u{3001}'..='\u{d7ff}'
        | '\u{f900}'..='\u{fdcf}' | '\u{fdf0}'..='\u{fffd}' | '\u{10000}'..='\u{effff}')
}

/// XML 1.0 `NameChar`, without `:`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{b7}' | '\u{300}'..='\u{36f}' | '\u{203f}'..='\u{2040}')
}

fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// A local name for any key: characters that cannot be in a name become `_`, and a name that
/// cannot start as it does gets a leading `_` (`2fa` → `_2fa`, `a b` → `a_b`, `` → `_`).
fn xml_name(s: &str) -> String {
    // `xmlns` would be a namespace declaration, not an attribute.
    if s == "xmlns" {
        return "_xmlns".to_string();
    }
    if is_xml_name(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 1);
    for (i, c) in s.chars().enumerate() {
        if i == 0 && !is_name_start(c) {
            out.push('_');
            if is_name_char(c) {
                out.push(c);
                continue;
            }
        } else if is_name_char(c) {
            out.push(c);
            continue;
        }
        if i > 0 {
            out.push('_');
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// Whether a media type's body is XML: `application/xml`, `text/xml`, or any `+xml` suffix.
pub fn is_xml(essence: &str) -> bool {
    essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{LoadOptions, Spec};
    use proptest::prelude::*;
    use quick_xml::events::Event;
    use serde_json::json;

    /// Parses `xml` with quick-xml, checking that end tags match, that there is one root and
    /// that every prefix is declared; returns the texts and attribute values in document order.
    fn parse(xml: &str) -> Result<Vec<String>, String> {
        let mut reader = quick_xml::NsReader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut found = Vec::new();
        let mut text = String::new();
        let (mut depth, mut roots) = (0i32, 0);
        loop {
            let (ns, event) = reader.read_resolved_event().map_err(|e| e.to_string())?;
            if let quick_xml::name::ResolveResult::Unknown(p) = ns {
                return Err(format!("undeclared prefix {}", String::from_utf8_lossy(&p)));
            }
            if matches!(event, Event::Start(_) | Event::Empty(_) | Event::End(_))
                && !text.is_empty()
            {
                found.push(std::mem::take(&mut text));
            }
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    if depth == 0 {
                        roots += 1;
                    }
                    for a in e.attributes() {
                        let a = a.map_err(|e| e.to_string())?;
                        if let (quick_xml::name::ResolveResult::Unknown(p), _) =
                            reader.resolver().resolve_attribute(a.key)
                        {
                            return Err(format!(
                                "undeclared attribute prefix {}",
                                String::from_utf8_lossy(&p)
                            ));
                        }
                        let v = a
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .map_err(|e| e.to_string())?;
                        if !a.key.as_ref().starts_with(b"xmlns") {
                            found.push(v.into_owned());
                        }
                    }
                    if matches!(event, Event::Start(_)) {
                        depth += 1;
                    }
                }
                Event::End(_) => depth -= 1,
                Event::Text(t) => {
                    let s = t.decode().map_err(|e| e.to_string())?;
                    if depth > 0 {
                        text.push_str(&s);
                    } else if !s.trim().is_empty() {
                        return Err(format!("text outside the root: {s:?}"));
                    }
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(c) => c,
                        None => match r.decode().map_err(|e| e.to_string())?.as_ref() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => return Err(format!("unknown entity {other}")),
                        },
                    };
                    text.push(c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if depth != 0 || roots != 1 {
            return Err(format!("{roots} roots, depth {depth} at the end"));
        }
        Ok(found)
    }

    fn spec(text: &str) -> Spec {
        Spec::from_str("t.yaml", text, LoadOptions::default()).expect("fixture loads")
    }

    const PETS: &str = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/xml:
              schema: {$ref: "#/components/schemas/Pets"}
components:
  schemas:
    Pets:
      type: array
      xml: {name: pets, wrapped: true}
      items: {$ref: "#/components/schemas/Pet"}
    Pet:
      type: object
      xml: {namespace: "http://example.com/pet", prefix: p}
      properties:
        id: {type: integer, xml: {attribute: true}}
        name: {type: string, xml: {prefix: p}}
        tags:
          type: array
          xml: {name: tag}
          items: {type: string}
        photos:
          type: array
          xml: {wrapped: true}
          items: {type: string, xml: {name: url}}
"##;

    #[test]
    fn the_xml_object_shapes_names_attributes_wrapping_and_namespaces() {
        let spec = spec(PETS);
        let media = &spec.operations[0].responses[0].content[0];
        let value = json!([{"id": 7, "name": "Rex & <Co>", "tags": ["a", "b"], "photos": ["u1"]}]);
        let xml = to_xml(&spec, media.schema, &value);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pets><p:Pet xmlns:p=\"http://example.com/pet\" \
             id=\"7\"><p:name>Rex &amp; &lt;Co&gt;</p:name><tag>a</tag><tag>b</tag>\
             <photos><url>u1</url></photos></p:Pet></pets>"
        );
        parse(&xml).unwrap();
    }

    #[test]
    fn without_a_schema_the_root_is_xml_and_keys_become_names() {
        let spec = spec(PETS);
        let xml = to_xml(
            &spec,
            None,
            &json!({"2fa": true, "a b": null, "q\"": "x\u{0}\ry"}),
        );
        assert!(
            xml.ends_with("<xml><_2fa>true</_2fa><a_b/><q_>x\u{fffd}&#13;y</q_></xml>"),
            "{xml}"
        );
        assert_eq!(parse(&xml).unwrap(), ["true", "x\u{fffd}\ry"]);
    }

    #[test]
    fn names_are_mended_into_xml_names() {
        for (raw, mended) in [
            ("ok", "ok"),
            ("2fa", "_2fa"),
            ("", "_"),
            ("a b", "a_b"),
            ("-x", "_-x"),
            ("ns:x", "ns_x"),
            ("\u{24d0}", "_"),
            ("xmlns", "_xmlns"),
        ] {
            assert_eq!(xml_name(raw), mended, "{raw:?}");
            assert!(is_xml_name(&xml_name(raw)));
        }
    }

    /// Every response schema of the bundled specs, sampled with a few seeds: well-formed XML.
    #[test]
    fn generated_bodies_of_the_bundled_specs_are_well_formed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if !matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml")
            ) {
                continue;
            }
            let spec = Spec::load(&path, LoadOptions::default()).expect("bundled specs load");
            let generator = crate::schema::generate::Generator::new(
                &spec.schemas,
                crate::schema::Direction::Response,
            );
            let schemas = spec
                .operations
                .iter()
                .flat_map(|o| &o.responses)
                .flat_map(|r| &r.content)
                .filter_map(|m| m.schema);
            for schema in schemas {
                for seed in 0..8 {
                    let value = generator.sample(schema, seed);
                    let xml = to_xml(&spec, Some(schema), &value);
                    assert!(parse(&xml).is_ok(), "{:?}\n{xml}", parse(&xml));
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "only {checked} bodies");
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any JSON value, with or without the fixture's schemas, is well-formed XML.
        #[test]
        fn any_value_is_well_formed(value in json_value(), with_schema in any::<bool>()) {
            let spec = spec(PETS);
            let schema = with_schema.then(|| spec.operations[0].responses[0].content[0].schema).flatten();
            let xml = to_xml(&spec, schema, &value);
            prop_assert!(parse(&xml).is_ok(), "{:?}\n{xml}", parse(&xml));
        }

        /// Every value the generator makes for the fixture's schema is well-formed XML, and
        /// its strings come back unchanged.
        #[test]
        fn generated_values_are_well_formed(seed in any::<u64>()) {
            let spec = spec(PETS);
            let schema = spec.operations[0].responses[0].content[0].schema.unwrap();
            let value = crate::schema::generate::Generator::new(&spec.schemas, crate::schema::Direction::Response)
                .sample(schema, seed);
            let xml = to_xml(&spec, Some(schema), &value);
            let texts = parse(&xml);
            prop_assert!(texts.is_ok(), "{:?}\n{xml}", texts);
            let texts = texts.unwrap();
            for pet in value.as_array().into_iter().flatten() {
                if let Some(name) = pet.get("name").and_then(Value::as_str)
                    && !name.is_empty()
                    && name.chars().all(is_xml_char)
                {
                    prop_assert!(texts.iter().any(|t| t == name), "{name:?} not in {texts:?}");
                }
            }
        }
    }
}
