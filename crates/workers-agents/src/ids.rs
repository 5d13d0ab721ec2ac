//! Random identifiers.

/// A random RFC 4122 version-4 UUID, as the clients generate for `_pk`.
pub(crate) fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No entropy source is a runtime defect; fall back to the clock so a
        // connection still gets an id rather than failing.
        let now = worker::Date::now().as_millis().to_le_bytes();
        bytes[..8].copy_from_slice(&now);
    }
    format_uuid(bytes)
}

fn format_uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_version_4_uuids() {
        let id = super::format_uuid([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
