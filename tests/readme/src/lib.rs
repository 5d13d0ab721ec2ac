//! The code blocks of README.md, compiled: a block that stops compiling
//! fails `npm test` (clippy and `cargo test` build this crate).

#![allow(missing_docs, unreachable_pub, dead_code, missing_debug_implementations)]

include!(concat!(env!("OUT_DIR"), "/readme.rs"));
