//! Native HTTPS: the certificate of `TLS_CERT_PATH` / `TLS_KEY_PATH`, read again on
//! SIGHUP (a renewed certificate without a restart), and the redirect of plain HTTP
//! on a non-local host name to HTTPS (docs/operations.md, HTTPS on the floor).

use std::sync::{Arc, RwLock};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use anyhow::Context;
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::config::TlsFiles;
use crate::state::AppState;

/// The served certificate, swapped whole on reload.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    /// Reads the files; an unreadable or mismatched pair stops the start.
    pub fn load(files: TlsFiles) -> anyhow::Result<Arc<Certificates>> {
        let current = RwLock::new(Arc::new(read(&files)?));
        Ok(Arc::new(Certificates { files, current }))
    }

    /// Reads the files again; on any error the certificate in use stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = Arc::new(read(&self.files)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// The rustls configuration that serves the current certificate.
    pub fn server_config(self: &Arc<Self>) -> anyhow::Result<rustls::ServerConfig> {
        Ok(
            rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_cert_resolver(self.clone()),
        )
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

fn read(files: &TlsFiles) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("TLS_CERT_PATH {}: not a readable PEM certificate chain", files.cert))?;
    anyhow::ensure!(!chain.is_empty(), "TLS_CERT_PATH {}: no certificate in it", files.cert);
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("TLS_KEY_PATH {}: not a readable PEM private key", files.key))?;
    let signer = ring::sign::any_supported_type(&key)
        .with_context(|| format!("TLS_KEY_PATH {}: unsupported key type", files.key))?;
    let certified = CertifiedKey::new(chain, signer);
    certified.keys_match().with_context(|| {
        format!(
            "TLS_KEY_PATH {} is not the key of TLS_CERT_PATH {}",
            files.key, files.cert
        )
    })?;
    Ok(certified)
}

/// Reads the certificate again on every SIGHUP, for as long as the server runs.
#[cfg(unix)]
pub async fn reload_on_hangup(certs: Arc<Certificates>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGHUP; the certificate is read at start only");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        match certs.reload() {
            Ok(()) => tracing::info!("SIGHUP: TLS certificate read again"),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "SIGHUP: the new certificate was refused; the old one stays")
            }
        }
    }
}

/// True for the names a browser treats as a secure context over plain HTTP.
fn is_local(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where a plain-HTTP request on a non-local host goes when this instance serves
/// HTTPS itself: the same host and path on `tls_port`; `None` when it is served.
fn redirect_target(req: &ServiceRequest, tls_port: u16) -> Option<String> {
    if req.app_config().secure() {
        return None;
    }
    // The name the browser asked for: the request line's authority (HTTP/2) or the
    // Host header, never Forwarded / X-Forwarded-Host, which any client can send.
    // Without one (HTTP/1.0) there is nothing to redirect to: served as it is.
    let host = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            req.headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .filter(|h| !h.is_empty())?;
    if is_local(&host) {
        return None;
    }
    let name = match host.strip_prefix('[') {
        Some(_) => host.split_inclusive(']').next().unwrap_or(&host).to_string(),
        None => host.rsplit_once(':').map_or(host.clone(), |(name, _)| name.to_string()),
    };
    let port = if tls_port == 443 {
        String::new()
    } else {
        format!(":{tls_port}")
    };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    Some(format!("https://{name}{port}{path}"))
}

/// With native HTTPS, answers plain HTTP on a non-local host with `308 Permanent
/// Redirect` (method and body kept) to the same path over HTTPS.
pub async fn https_only(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let tls_port = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config.tls.as_ref().map(|_| s.config.tls_port));
    if let Some(location) = tls_port.and_then(|port| redirect_target(&req, port)) {
        let response = HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, location))
            .finish();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_are_secure_contexts() {
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "app.localhost",
        ] {
            assert!(is_local(host), "{host}");
        }
        for host in [
            "tt.warehouse.lan",
            "192.168.1.20:8080",
            "[fe80::1]:8080",
            "localhost.evil.com",
        ] {
            assert!(!is_local(host), "{host}");
        }
    }
}
