//! The SSRF guard of webhook deliveries: a receiver's host is resolved, and loopback,
//! private (RFC 1918), link-local (cloud metadata included), CGNAT, unique-local,
//! multicast and unspecified addresses are refused, unless `WEBHOOK_ALLOW_PRIVATE`.
//! The resolver below is the HTTP client's own, so the connection goes to an address
//! that was checked (no second lookup a DNS trick could answer differently).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

/// Whether an address is one a webhook must not reach.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => internal_v4(v4),
            None => internal_v6(v6),
        },
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments 192.0.0.0/24
        || a >= 240 // reserved
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside)
        || s[0] == 0x2001 && s[1] == 0x0db8 // documentation
        || s[0] == 0x0064 && (s[1] == 0xff9b) // NAT64 64:ff9b::/96 and 64:ff9b:1::/48 onto any IPv4
        || s[0..6] == [0; 6] && internal_v4(embedded_v4(s[6], s[7])) // IPv4-compatible ::a.b.c.d
        || s[0] == 0x2002 && internal_v4(embedded_v4(s[1], s[2])) // 6to4 of an internal IPv4
}

/// Why a URL may not receive webhooks.
pub fn check_url(text: &str, https_only: bool, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if !https_only => {}
        "http" => return Err("must use https".into()),
        other => return Err(format!("scheme {other} is not http(s)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    let host = url.host_str().ok_or("has no host")?;
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
    if let (Ok(ip), false) = (literal, allow_private) {
        if is_internal(ip) {
            return Err(format!("{ip} is an internal address"));
        }
    }
    Ok(url)
}

/// Resolves `url`'s host and refuses internal addresses (unless allowed); the addresses.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let host = url
        .host_str()
        .ok_or("has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("{host} does not resolve ({e})"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| is_internal(a.ip())) {
            return Err(format!("{host} resolves to the internal address {}", bad.ip()));
        }
    }
    Ok(addrs)
}

/// The HTTP client's resolver: every name goes through [`resolve`].
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let url = Url::parse(&format!("http://{}/", name.as_str()))?;
            let addrs = resolve(&url, allow_private)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The client deliveries use: no redirects, 15 s timeout, guarded resolution.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("TraceTrack-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        // A proxy would resolve and connect in our place, past the guard.
        .no_proxy()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "ff02::1",
            "::",
            "::127.0.0.1",
            "::10.0.0.1",
            "fec0::1",
            "64:ff9b:1::1",
            "2002:0a00:0001::1",
            "2002:a9fe:a9fe::1",
            "192.0.0.8",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip} is internal");
        }
        for ip in [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "1.1.1.1",
            "2002:0808:0808::1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn urls_are_checked_before_any_lookup() {
        assert!(check_url("https://erp.example.com/hook", true, false).is_ok());
        assert!(check_url("http://erp.example.com/hook", true, false)
            .unwrap_err()
            .contains("https"));
        assert!(check_url("http://erp.example.com/hook", false, false).is_ok());
        assert!(check_url("ftp://erp.example.com/", false, false).is_err());
        assert!(check_url("https://user:pw@erp.example.com/", false, false).is_err());
        assert!(check_url("http://169.254.169.254/latest/meta-data", false, false).is_err());
        assert!(check_url("http://[::1]:8080/", false, false).is_err());
        assert!(check_url("http://127.0.0.1:9000/", false, true).is_ok());
        assert!(check_url("not a url", false, true).is_err());
    }

    #[actix_web::test]
    async fn names_that_resolve_inside_are_refused() {
        let url = Url::parse("http://localhost:9/").unwrap();
        assert!(resolve(&url, false).await.unwrap_err().contains("internal"));
        assert!(!resolve(&url, true).await.unwrap().is_empty());
    }
}
