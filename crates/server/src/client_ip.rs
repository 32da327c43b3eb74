//! The client's address: the socket's, unless the socket is a trusted proxy
//! (`TRUSTED_PROXIES`), whose `Forwarded` / `X-Forwarded-For` is then believed.
//! Anyone else could write those headers to dodge rate limits and lockouts or to
//! put a false address in the audit log.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// An address or network (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses one address or network.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text} is not an address or network"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Cidr { net, prefix })
    }

    /// Parses a comma list; empty means none.
    pub fn parse_list(text: &str) -> anyhow::Result<Vec<Cidr>> {
        text.split(',')
            .filter(|t| !t.trim().is_empty())
            .map(|t| Cidr::parse(t).map_err(anyhow::Error::msg))
            .collect()
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn trusted(ip: IpAddr, proxies: &[Cidr]) -> bool {
    proxies.iter().any(|p| p.contains(ip))
}

/// One hop of `Forwarded: for=…` or `X-Forwarded-For`, without port or brackets.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    // `[v6]` without a port, or `v4:port`.
    let inner = hop.trim_start_matches('[').split(']').next().unwrap_or(hop);
    inner
        .parse()
        .ok()
        .or_else(|| hop.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

/// The hops a request passed, nearest last: `Forwarded` wins over `X-Forwarded-For`.
fn forwarded_chain(req: &HttpRequest) -> Vec<Option<IpAddr>> {
    let headers = req.headers();
    let forwarded: Vec<&str> = headers.get_all("forwarded").filter_map(|v| v.to_str().ok()).collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    name.trim().eq_ignore_ascii_case("for").then(|| hop_address(value))
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(hop_address)
        .collect()
}

/// The client address of a request. Walks the forwarded chain from the socket
/// backwards while each hop is a trusted proxy; the first untrusted hop is the client.
pub fn client_ip(req: &HttpRequest, proxies: &[Cidr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted(peer, proxies) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_chain(req).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !trusted(ip, proxies) {
                    break;
                }
            }
            // An unreadable hop ends what can be believed.
            None => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(Cidr::parse("127.0.0.1").unwrap().contains(ip("::ffff:127.0.0.1")));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(!Cidr::parse("fd00::/8").unwrap().contains(ip("10.0.0.1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("10.0.0.x").is_err());
        assert_eq!(Cidr::parse_list(" 10.0.0.1 , ::1 ,").unwrap().len(), 2);
    }

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        r.to_http_request()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxies = Cidr::parse_list("10.0.0.0/8").unwrap();
        let spoofed = request("203.0.113.9:5000", &[("X-Forwarded-For", "1.2.3.4")]);
        assert_eq!(client_ip(&spoofed, &proxies), Some(ip("203.0.113.9")));
        assert_eq!(client_ip(&spoofed, &[]), Some(ip("203.0.113.9")));
        let proxied = request("10.0.0.2:5000", &[("X-Forwarded-For", "1.2.3.4, 10.0.0.7")]);
        assert_eq!(client_ip(&proxied, &proxies), Some(ip("1.2.3.4")));
        // A client that prepends its own fake hop gets only the hop the proxy saw.
        let prepended = request("10.0.0.2:5000", &[("X-Forwarded-For", "9.9.9.9, 1.2.3.4")]);
        assert_eq!(client_ip(&prepended, &proxies), Some(ip("1.2.3.4")));
        let standard = request(
            "10.0.0.2:5000",
            &[
                ("Forwarded", "for=\"[2001:db8::1]:4711\";proto=https"),
                ("X-Forwarded-For", "5.5.5.5"),
            ],
        );
        assert_eq!(client_ip(&standard, &proxies), Some(ip("2001:db8::1")));
        let garbage = request("10.0.0.2:5000", &[("X-Forwarded-For", "unknown")]);
        assert_eq!(client_ip(&garbage, &proxies), Some(ip("10.0.0.2")));
    }
}
