//! Which web-app build a page belongs to. Workers' phones load the small floor
//! build (sign-in, dashboard, station, scanner test, notifications); the office
//! pages come in a second build that the server sends for these paths, and the
//! floor build reloads them from the server.

/// Path prefixes of the office build.
pub const OFFICE_PREFIXES: [&str; 4] = ["/bags", "/bills", "/admin", "/profile"];

/// Whether `path` is an office page.
pub fn is_office_path(path: &str) -> bool {
    OFFICE_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_paths_are_whole_segments() {
        for p in [
            "/bills",
            "/bills/7/print",
            "/admin",
            "/admin/imports/3",
            "/bags/SB00001",
            "/profile",
        ] {
            assert!(is_office_path(p), "{p}");
        }
        for p in ["/", "/station", "/login", "/billsx", "/notifications", "/scanner-test"] {
            assert!(!is_office_path(p), "{p}");
        }
    }
}
