//! Which hosts the MCP endpoints serve (DNS-rebinding protection).

use worker::Env;

/// Local hosts plus those in the `MCP_ALLOWED_HOSTS` var (comma-separated),
/// or none (no check) when the var is unset or empty.
pub(crate) fn allowed_hosts(env: &Env) -> Vec<String> {
    let extra: Vec<String> = env
        .var("MCP_ALLOWED_HOSTS")
        .map(|v| v.to_string().split(',').map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()).collect())
        .unwrap_or_default();
    if extra.is_empty() {
        return extra;
    }
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec();
    hosts.extend(extra);
    hosts
}
