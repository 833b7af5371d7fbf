//! `cargo xtask corpus`: loads every OpenAPI root document listed in the corpus's SOURCES.tsv
//! (kind `openapi`), compiles all their schemas, and prints loaded / refused with the reason.
//!
//! `--lint` also runs `stipula lint`'s rules on every document (loaded or not), the opt-in
//! `owasp` set included, counts the findings by rule, and fails if linting any document
//! panics. `--lint-dump FILE` writes every finding there (rule, place, message; one a line),
//! for checking samples by hand.
//!
//! Documents that really are invalid are listed, with why, in `xtask/corpus-known-invalid.tsv`;
//! the run fails (exit 1) when a document outside that list is refused, or when a listed one
//! starts loading (so the list stays true). `--allow-outside-refs` loads with `$ref`s that leave a
//! spec's folder followed; the listed documents whose reason says they load with it are then
//! expected to load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use stipula::spec::{LoadOptions, Spec};

const KNOWN_INVALID: &str = include_str!("../corpus-known-invalid.tsv");

pub fn run(args: &[String]) -> ExitCode {
    let mut corpus = PathBuf::from(crate::bench::CORPUS);
    let mut filter = None;
    let mut verbose = false;
    let mut lint = false;
    let mut dump: Option<PathBuf> = None;
    let mut options = LoadOptions::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpus" => corpus = it.next().map(PathBuf::from).unwrap_or(corpus),
            "--filter" => filter = it.next().cloned(),
            "--verbose" => verbose = true,
            "--lint" => lint = true,
            "--lint-dump" => {
                lint = true;
                dump = it.next().map(PathBuf::from);
            }
            "--allow-outside-refs" => options.refs.allow_outside_root = true,
            other => {
                eprintln!("unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    let sources = match std::fs::read_to_string(corpus.join("SOURCES.tsv")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read {}/SOURCES.tsv: {e}", corpus.display());
            return ExitCode::from(2);
        }
    };
    let known: BTreeMap<&str, &str> = KNOWN_INVALID
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let mut header: Vec<&str> = Vec::new();
    let mut docs = Vec::new();
    for line in sources.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if header.is_empty() {
            header = cols;
            continue;
        }
        let get = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .and_then(|i| cols.get(i))
                .copied()
                .unwrap_or("")
        };
        if get("kind") == "openapi" {
            docs.push(get("file").to_string());
        }
    }
    let total = docs.len();
    let (mut loaded, mut surprises) = (0usize, 0usize);
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    let mut warnings_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut uncompilable = 0usize;
    let mut lint_tally = LintTally {
        config: stipula::lint::Config::parse("extends: [owasp]").expect("a valid config"),
        ..LintTally::default()
    };
    for file in &docs {
        if filter.as_ref().is_some_and(|f| !file.contains(f.as_str())) {
            continue;
        }
        let path = corpus.join(file);
        let started = Instant::now();
        let result = Spec::load(&path, options);
        let load_time = started.elapsed();
        match result {
            Ok(spec) => {
                let failed = spec.compile_validators();
                uncompilable += failed;
                let total_time = started.elapsed();
                loaded += 1;
                slowest.push((
                    total_time,
                    format!("{file} (load {:.0} ms)", load_time.as_secs_f64() * 1e3),
                ));
                for w in &spec.warnings {
                    *warnings_by_kind
                        .entry(warning_kind(&w.message))
                        .or_default() += 1;
                }
                if verbose {
                    println!(
                        "loaded  {file}: {} operations, {} schemas, {} warnings, {failed} uncompilable, load {:.0} ms, load + compile {:.0} ms",
                        spec.operations.len(),
                        spec.schemas.len(),
                        spec.warnings.len(),
                        load_time.as_secs_f64() * 1e3,
                        total_time.as_secs_f64() * 1e3
                    );
                }
                if lint {
                    lint_tally.add(file, |config| stipula::lint::lint_spec(&spec, config).0);
                }
                if let Some(reason) = known.get(file.as_str()).filter(|r| {
                    !(options.refs.allow_outside_root
                        && r.contains("loads with --allow-outside-refs"))
                }) {
                    surprises += 1;
                    println!(
                        "LOADS   {file}: listed as invalid ({reason}) but it loads: update xtask/corpus-known-invalid.tsv"
                    );
                }
            }
            Err(e) => {
                if lint {
                    lint_tally.add(file, |config| {
                        stipula::lint::lint_file(&path, options, config).findings
                    });
                }
                let first = e.errors().next().map(|d| d.to_string()).unwrap_or_default();
                let count = e.errors().count();
                let more = if count > 1 {
                    format!(" (+{} more)", count - 1)
                } else {
                    String::new()
                };
                match known.get(file.as_str()) {
                    Some(reason) => println!(
                        "refused {file}: known invalid ({reason}): {}{more}",
                        short(&first, &path)
                    ),
                    None => {
                        surprises += 1;
                        println!("REFUSED {file}: {}{more}", short(&first, &path));
                    }
                }
            }
        }
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    println!("slowest (load + compile every schema):");
    for (t, f) in slowest.iter().take(5) {
        println!("  {:>7.0} ms  {f}", t.as_secs_f64() * 1e3);
    }
    println!("warnings by kind:");
    for (k, n) in &warnings_by_kind {
        println!("  {n:>6}  {k}");
    }
    println!("schemas jsonschema could not compile (validate nothing): {uncompilable}");
    println!("loaded {loaded}/{total}");
    if lint {
        lint_tally.print();
        if let Some(dump) = &dump
            && let Err(e) = std::fs::write(dump, &lint_tally.dump)
        {
            eprintln!("cannot write {}: {e}", dump.display());
        }
        if !lint_tally.crashed.is_empty() {
            return ExitCode::from(1);
        }
    }
    if surprises > 0 {
        println!("{surprises} document(s) disagree with xtask/corpus-known-invalid.tsv");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// A warning's message with names and numbers blanked, to group them.
fn warning_kind(message: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in message.chars() {
        if c == '`' {
            in_code = !in_code;
            if in_code {
                out.push_str("`…");
            }
        }
        if !in_code {
            out.push(if c.is_ascii_digit() { '#' } else { c });
        }
    }
    out
}

fn short(message: &str, path: &Path) -> String {
    let p = path.to_string_lossy();
    message.replace(p.as_ref(), "").chars().take(400).collect()
}

/// Lint findings over the corpus, by rule.
#[derive(Default)]
struct LintTally {
    linted: usize,
    /// rule → (findings, documents with at least one).
    by_rule: BTreeMap<&'static str, (usize, usize)>,
    crashed: Vec<String>,
    time: Duration,
    config: stipula::lint::Config,
    /// Every finding, as `rule<TAB>place<TAB>message` lines (`--lint-dump`).
    dump: String,
}

impl LintTally {
    fn add(
        &mut self,
        file: &str,
        lint: impl FnOnce(&stipula::lint::Config) -> Vec<stipula::lint::Finding>,
    ) {
        let config = &self.config;
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lint(config)));
        self.time += started.elapsed();
        let Ok(findings) = outcome else {
            println!("LINT CRASHED {file}");
            self.crashed.push(file.to_string());
            return;
        };
        self.linted += 1;
        let mut seen = std::collections::BTreeSet::new();
        for f in &findings {
            self.dump.push_str(&format!(
                "{}\t{}\t{}\n",
                f.rule,
                f.place,
                f.message.replace('\n', " ")
            ));
            let entry = self.by_rule.entry(f.rule).or_default();
            entry.0 += 1;
            if seen.insert(f.rule) {
                entry.1 += 1;
            }
        }
    }

    fn print(&self) {
        println!(
            "lint: {} documents linted in {:.1} s, {} crashed",
            self.linted,
            self.time.as_secs_f64(),
            self.crashed.len()
        );
        println!("  {:<28} {:>9} {:>10}", "rule", "findings", "documents");
        for rule in stipula::lint::rules::RULES {
            let (n, docs) = self.by_rule.get(rule.id).copied().unwrap_or_default();
            println!("  {:<28} {n:>9} {docs:>10}", rule.id);
        }
    }
}
