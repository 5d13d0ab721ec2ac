//! When a server that went away is tried again: after 2 s, doubling with
//! each failure in a row, at most 5 minutes apart, [`MAX_RETRIES`] times;
//! then it stays failed until it is used or added again. The tries are a
//! framework task ([`RECONNECT_TASK`]) on the agent's schedule. Pure.

/// Most automatic tries after failures in a row.
pub const MAX_RETRIES: u32 = 8;
/// The wait before the first try.
pub const FIRST_RETRY_MS: i64 = 2_000;
/// The longest wait between tries.
pub const MAX_RETRY_MS: i64 = 5 * 60 * 1_000;
/// The name of the scheduled task that tries a failed server again (its
/// payload: the server id).
pub const RECONNECT_TASK: &str = "cf_agents_mcp_reconnect";

/// The wait before the next try after `failures` failures in a row (the
/// first is 1), or `None` when no try is left.
pub fn retry_delay_ms(failures: u32) -> Option<i64> {
    if failures == 0 || failures > MAX_RETRIES {
        return None;
    }
    Some(FIRST_RETRY_MS.saturating_mul(1 << (failures - 1).min(20)).min(MAX_RETRY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_back_off_and_stop() {
        let delays: Vec<_> = (1..=MAX_RETRIES).map(|n| retry_delay_ms(n).unwrap()).collect();
        assert_eq!(delays, [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000]);
        assert_eq!(retry_delay_ms(0), None);
        assert_eq!(retry_delay_ms(MAX_RETRIES + 1), None);
        assert_eq!(retry_delay_ms(u32::MAX), None);
    }
}
