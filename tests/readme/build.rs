//! Writes `$OUT_DIR/readme.rs`: a module per ```rust block of README.md.

use std::fmt::Write;

fn main() {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    println!("cargo:rerun-if-changed={readme}");
    let text = std::fs::read_to_string(readme).expect("README.md");
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => match line.trim_start().strip_prefix("```") {
                Some("rust") => current = Some(String::new()),
                Some("rust continued") => current = Some(blocks.pop().expect("a block before `rust continued`")),
                _ => {}
            },
        }
    }
    let mut out = String::new();
    for (n, block) in blocks.iter().enumerate() {
        writeln!(out, "/// README block {n}.\npub mod block_{n} {{\n{block}}}").unwrap();
    }
    std::fs::write(format!("{}/readme.rs", std::env::var("OUT_DIR").unwrap()), out).unwrap();
}
