//! Which rows of `cf_agents_state` hold the state, and where a change writes.
//!
//! Chunk `i` of the state has two slots: key `i` and key `i + SPARE`. A
//! change that takes one statement (one chunk rewritten in place) is atomic
//! by itself. A change that takes more writes each changed chunk to the
//! slot that is *not* live, then commits by writing one small row, the
//! manifest (key -1: the live key of every chunk, as a JSON array). Until
//! that row is written nothing the state loads from has changed, so a
//! failure part way leaves the stored state whole, without the savepoint
//! (and its journal of every overwritten page) that a transaction would
//! cost. The rows left in the other slot are overwritten in place by a later
//! change, usually with text of the same length.
//!
//! Without a manifest row (state written before slots existed, or a state
//! that never needed more than one statement per change), the live rows are
//! those with keys from 0 to `SPARE - 1`, in key order. Rows written ahead of
//! a first manifest therefore go to keys from `SPARE` on, which that rule
//! does not read. Pure: the plan is carried out by the state store.

/// Key offset of a chunk's second slot.
pub(crate) const SPARE: i64 = 1 << 32;

/// Key of the manifest row.
pub(crate) const MANIFEST_KEY: i64 = -1;

/// The stored rows, as the state store last saw them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The key of each chunk's live row, in chunk order.
    pub(crate) keys: Vec<i64>,
    /// A manifest row names the live keys.
    pub(crate) manifest: bool,
}

/// What storing a change writes, in this order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// `(chunk index, key)` of each row to write.
    pub(crate) writes: Vec<(usize, i64)>,
    /// The manifest to write after the rows: the commit. `None` when the
    /// change is at most one in-place statement.
    pub(crate) manifest: Option<Vec<i64>>,
    /// Once committed, rows of chunks from this index on (both slots) are
    /// no longer part of the state and may be deleted.
    pub(crate) drop_from: Option<usize>,
    /// The layout after the plan has run.
    pub(crate) after: Layout,
}

/// The key of the other slot of the chunk stored at `key`.
fn other_slot(key: i64) -> i64 {
    if key >= SPARE {
        key - SPARE
    } else {
        key + SPARE
    }
}

/// Plans storing a state of `count` chunks over `before`. `changed` lists,
/// in ascending order, the chunks whose text differs from the stored row;
/// every chunk from `before.keys.len()` on must be listed.
pub(crate) fn plan(before: &Layout, count: usize, changed: &[usize]) -> Plan {
    let stored = before.keys.len();
    debug_assert!(changed.windows(2).all(|w| w[0] < w[1]) && changed.last().is_none_or(|&i| i < count));
    debug_assert!((stored..count).all(|i| changed.contains(&i)));
    let rewrite_one = count == stored && changed.len() <= 1;
    // Without a manifest, every key below SPARE is live: a new last chunk
    // at its own index is one statement too.
    let append_one = !before.manifest && count == stored + 1 && changed == [stored];
    if rewrite_one || append_one {
        let mut keys = before.keys.clone();
        keys.resize(count, stored as i64);
        let writes = changed.iter().map(|&i| (i, keys[i])).collect();
        return Plan { writes, manifest: None, drop_from: None, after: Layout { keys, manifest: before.manifest } };
    }
    let mut keys: Vec<i64> = before.keys.iter().copied().take(count).collect();
    keys.resize(count, 0);
    for &i in changed {
        keys[i] = match before.keys.get(i) {
            Some(&live) => other_slot(live),
            None => i as i64 + SPARE,
        };
    }
    Plan {
        writes: changed.iter().map(|&i| (i, keys[i])).collect(),
        manifest: Some(keys.clone()),
        drop_from: (count < stored).then_some(count),
        after: Layout { keys, manifest: true },
    }
}

/// The live layout from the keys of the rows the state loads from, in
/// order, and the manifest's text if there is one. Fails when the manifest
/// is unreadable or names rows that are missing.
pub(crate) fn layout_of(keys: Vec<i64>, manifest: Option<&str>) -> Result<Layout, String> {
    let Some(manifest) = manifest else {
        return Ok(Layout { keys, manifest: false });
    };
    let listed: Vec<i64> =
        serde_json::from_str(manifest).map_err(|e| format!("the state's row manifest is unreadable: {e}"))?;
    if listed != keys {
        return Err(format!(
            "the state's row manifest names {} rows, but {} of them are stored",
            listed.len(),
            keys.len()
        ));
    }
    Ok(Layout { keys, manifest: true })
}

#[cfg(test)]
mod tests;
