//! Which hosts a worker may be sent to call: the OAuth provider fetching a
//! client ID metadata document, an agent connecting to an MCP server. Pure.

use std::net::{Ipv4Addr, Ipv6Addr};

use worker::url::{Host, Url};

/// Whether `url`'s host is a loopback address, `localhost` or a name under
/// it (RFC 6761 reserves `.localhost` for loopback), with or without the
/// trailing dot.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let name = domain.strip_suffix('.').unwrap_or(domain).to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether `url`'s host is an IP literal outside the public address space,
/// loopback included (callers that allow loopback check it first). Names are
/// not resolved: a name that resolves to such an address is the runtime's
/// to refuse.
pub(crate) fn reserved_ip(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => reserved_v4(ip),
        Some(Host::Ipv6(ip)) => reserved_v6(ip),
        _ => false,
    }
}

/// Private (RFC 1918), loopback, link-local, unspecified and "this network",
/// shared (CGNAT, RFC 6598), IETF protocol, benchmarking, documentation,
/// multicast, reserved and broadcast ranges.
fn reserved_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking (RFC 2544)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
}

/// Loopback, unspecified, multicast, unique local, link-local, site-local,
/// documentation and NAT64 addresses, and the forms that embed an IPv4
/// address (mapped, compatible, SIIT, 6to4) whose IPv4 address is reserved.
fn reserved_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (SIIT):
    // the IPv4 address in the last 32 bits.
    let in_last_32 = (s[..5] == [0; 5] && (s[5] == 0 || s[5] == 0xffff) && !(s[5] == 0 && s[6] == 0))
        || (s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0);
    let embedded = if in_last_32 {
        Some(v4(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(v4(s[1], s[2])) // 2002:aabb:ccdd:: (6to4)
    } else {
        None
    };
    if embedded.is_some_and(reserved_v4) {
        return true;
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed privately)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (maps IPv4, private ones too)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn reserved_addresses_in_every_form() {
        for bad in [
            "http://10.0.0.1/",
            "http://127.0.0.5/",
            "http://100.64.0.1/",
            "http://169.254.169.254/",
            "http://192.0.2.1/",
            "http://198.18.0.1/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://167772161/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[::a00:1]/",
            "http://[::ffff:0:a00:1]/",
            "http://[64:ff9b::808:808]/",
            "http://[2002:a9fe:a9fe::]/",
            "http://[fec0::1]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[ff02::1]/",
            "http://[2001:db8::1]/",
        ] {
            assert!(reserved_ip(&host(bad)), "{bad}");
        }
        for ok in [
            "http://8.8.8.8/",
            "http://172.32.0.1/",
            "http://[2606:4700::1111]/",
            "http://[2002:808:808::]/",
            "http://a.example/",
        ] {
            assert!(!reserved_ip(&host(ok)), "{ok}");
        }
        assert!(is_loopback(&host("http://localhost:8790/")) && is_loopback(&host("http://[::1]/")));
        assert!(!is_loopback(&host("http://10.0.0.1/")));
        // Names under localhost, and the trailing dot, are loopback too.
        for name in ["http://localhost./", "http://foo.localhost/", "http://A.LocalHost./"] {
            assert!(is_loopback(&host(name)), "{name}");
        }
        assert!(!is_loopback(&host("http://localhost.example.com/")) && !is_loopback(&host("http://notlocalhost/")));
    }
}
