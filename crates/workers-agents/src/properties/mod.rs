//! Property tests of the pure parsers: each property runs over a few
//! thousand cases drawn from a seeded generator, so a run is deterministic
//! and a failure names the case that reproduces it
//! (`PROPERTY_CASE=<property>:<case> cargo test -p workers-agents <property>`).

mod cron;
mod frames;
mod gen;
mod json_writer;
#[cfg(feature = "mcp")]
mod jsonrpc;
#[cfg(feature = "oauth")]
mod jwt;
mod path;
mod sse;
#[cfg(feature = "mcp")]
mod uri_template;

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

pub(crate) use gen::Rng;

/// Runs `property` over `cases` generated cases. Case `i` of property `name`
/// always sees the same generator, whatever else runs.
#[track_caller]
pub(crate) fn check(name: &str, cases: u64, mut property: impl FnMut(&mut Rng)) {
    let only = std::env::var("PROPERTY_CASE").ok().and_then(|v| {
        let (property, case) = v.split_once(':')?;
        (property == name).then(|| case.parse::<u64>().ok()).flatten()
    });
    let range = match only {
        Some(case) => case..case + 1,
        None => 0..cases,
    };
    for case in range {
        let seed = seed_of(name, case);
        let mut rng = Rng::new(seed);
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| property(&mut rng))) {
            eprintln!(
                "property `{name}` failed at case {case} (seed {seed:#018x}); \
                 rerun it alone with PROPERTY_CASE={name}:{case}"
            );
            resume_unwind(panic);
        }
    }
}

/// The seed of one case: FNV-1a of the property's name, mixed with the case.
fn seed_of(name: &str, case: u64) -> u64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    hash ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}
