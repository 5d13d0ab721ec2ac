use super::*;

fn legacy(count: usize) -> Layout {
    Layout { keys: (0..count as i64).collect(), manifest: false }
}

fn slots(keys: &[i64]) -> Layout {
    Layout { keys: keys.to_vec(), manifest: true }
}

#[test]
fn a_one_row_change_is_written_in_place() {
    for before in [legacy(5), slots(&[0, SPARE + 1, 2])] {
        let plan = plan(&before, before.keys.len(), &[1]);
        assert_eq!(plan.writes, vec![(1, before.keys[1])]);
        assert_eq!(plan.manifest, None);
        assert_eq!(plan.drop_from, None);
        assert_eq!(plan.after, before);
    }
}

#[test]
fn no_change_writes_nothing() {
    let before = slots(&[SPARE, 1]);
    let plan = plan(&before, 2, &[]);
    assert!(plan.writes.is_empty() && plan.manifest.is_none() && plan.drop_from.is_none());
    assert_eq!(plan.after, before);
}

#[test]
fn the_first_row_and_a_new_last_row_without_manifest_are_one_insert() {
    let first = plan(&legacy(0), 1, &[0]);
    assert_eq!((first.writes, first.manifest), (vec![(0, 0)], None));
    assert_eq!(first.after, legacy(1));
    let appended = plan(&legacy(3), 4, &[3]);
    assert_eq!((appended.writes, appended.manifest), (vec![(3, 3)], None));
    assert_eq!(appended.after, legacy(4));
}

#[test]
fn a_multi_row_change_writes_the_other_slots_then_the_manifest() {
    let plan = plan(&slots(&[0, SPARE + 1, 2, SPARE + 3]), 4, &[1, 2, 3]);
    assert_eq!(plan.writes, vec![(1, 1), (2, SPARE + 2), (3, 3)]);
    assert_eq!(plan.manifest, Some(vec![0, 1, SPARE + 2, 3]));
    assert_eq!(plan.drop_from, None);
    assert_eq!(plan.after, slots(&[0, 1, SPARE + 2, 3]));
}

#[test]
fn before_a_first_manifest_rows_go_where_the_legacy_load_does_not_read() {
    // Growing, shrinking or rewriting several rows of a legacy layout: every
    // row written before the manifest exists has a key of SPARE or more.
    for (count, changed) in [(3, vec![0, 1, 2]), (6, vec![3, 4, 5]), (4, vec![2, 3]), (2, vec![1])] {
        let plan = plan(&legacy(4), count, &changed);
        assert!(plan.writes.iter().all(|&(_, key)| key >= SPARE), "{count} {changed:?}: {:?}", plan.writes);
        assert!(plan.manifest.is_some(), "{count} {changed:?}");
    }
}

#[test]
fn growing_with_a_manifest_commits_the_new_rows_by_manifest() {
    let plan = plan(&slots(&[SPARE, 1]), 3, &[2]);
    assert_eq!(plan.writes, vec![(2, SPARE + 2)]);
    assert_eq!(plan.manifest, Some(vec![SPARE, 1, SPARE + 2]));
    assert_eq!(plan.drop_from, None);
}

#[test]
fn shrinking_commits_then_drops_the_rows_past_the_end() {
    let shrunk = plan(&slots(&[SPARE, 1, 2, SPARE + 3]), 2, &[1]);
    assert_eq!(shrunk.writes, vec![(1, SPARE + 1)]);
    assert_eq!(shrunk.manifest, Some(vec![SPARE, SPARE + 1]));
    assert_eq!(shrunk.drop_from, Some(2));
    // Shrinking with nothing else changed still needs the manifest.
    let cut = plan(&legacy(3), 1, &[]);
    assert_eq!((cut.writes, cut.manifest, cut.drop_from), (vec![], Some(vec![0]), Some(1)));
}

#[test]
fn alternating_changes_alternate_slots_and_never_touch_a_live_row() {
    let mut layout = legacy(4);
    for round in 0..6 {
        let plan = plan(&layout, 4, &[0, 1, 2, 3]);
        for &(i, key) in &plan.writes {
            assert!(!layout.keys.contains(&key), "round {round}: chunk {i} overwrote live key {key}");
            assert_eq!(key & (SPARE - 1), i as i64);
        }
        layout = plan.after;
    }
}

#[test]
fn a_layout_is_read_from_the_loaded_keys_and_manifest() {
    assert_eq!(layout_of(vec![0, 1], None), Ok(legacy(2)));
    assert_eq!(layout_of(vec![SPARE, 1], Some("[4294967296,1]")), Ok(slots(&[SPARE, 1])));
    let missing = layout_of(vec![SPARE], Some("[4294967296,1]")).unwrap_err();
    assert!(missing.contains("names 2 rows, but 1 of them are stored"), "{missing}");
    assert!(layout_of(vec![], Some("{")).unwrap_err().contains("unreadable"));
}
