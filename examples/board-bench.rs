//! The board's server time and page size on a generated configuration: loads DIR (made by
//! `scale-gen`), then renders the board page exactly as a request does (filters, sort,
//! pagination, the SVG chart, the template) for a few queries, and prints a table.
//!
//! `cargo run --release --example scale-gen -- /tmp/board 10000`
//! `cargo run --release --example board-bench -- /tmp/board/followup.toml`

use std::time::Instant;

use followup::web::board::Query;
use followup::web::{Lang, anonymous_base, board_html, templates};

const RUNS: usize = 21;

fn main() -> anyhow::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: board-bench CONFIG");
        std::process::exit(2);
    };
    let loaded = followup::config::load(std::path::Path::new(&path))
        .map_err(|invalid| anyhow::anyhow!("{invalid}"))?;
    let config = loaded.config;
    let env = templates()?;
    let at = followup::clock::now();
    let none = std::collections::HashSet::new();
    let first_department = config.departments[1].key.clone();
    let cases: Vec<(&str, Query)> = vec![
        ("first page, no filter", Query::default()),
        (
            "one department",
            Query {
                department: Some(first_department),
                ..Query::default()
            },
        ),
        (
            "search `第7号`",
            Query {
                q: Some("第7号".into()),
                ..Query::default()
            },
        ),
        (
            "overdue only, page 3",
            Query {
                light: Some("red".into()),
                page: Some(3),
                ..Query::default()
            },
        ),
        (
            "last page, English",
            Query {
                page: Some(usize::MAX),
                lang: Some("en".into()),
                ..Query::default()
            },
        ),
    ];
    println!(
        "board at {} commitments, {} departments ({RUNS} runs each)",
        config.commitments.len(),
        config.departments.len()
    );
    println!("| query | median ms | max ms | page KiB |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, query) in cases {
        let lang = if query.lang.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Zh
        };
        let mut times = Vec::with_capacity(RUNS);
        let mut size = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let html = board_html(&env, &config, &query, at, lang, anonymous_base(lang), &none)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            size = html.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            times[RUNS / 2],
            times[RUNS - 1],
            size as f64 / 1024.0
        );
    }
    Ok(())
}
