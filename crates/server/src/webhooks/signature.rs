//! Standard Webhooks 1.0 signatures (docs: integrations, outgoing webhooks): a
//! message is signed with HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`,
//! keyed by the base64 part of the endpoint's `whsec_` secret, and sent as
//! `webhook-signature: v1,<base64>` (two entries while a secret is being rotated).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every endpoint secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// A secret that is not `whsec_` + base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadSecret;

/// The key bytes of a `whsec_` secret.
pub fn secret_key(secret: &str) -> Result<Vec<u8>, BadSecret> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).ok_or(BadSecret)?;
    STANDARD.decode(encoded).map_err(|_| BadSecret)
}

/// One `v1,<base64>` signature of a message.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one entry per secret in use (the new one first).
pub fn header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|k| sign(k, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the specification (Standard Webhooks' own).
    #[test]
    fn the_specification_test_vector() {
        let key = secret_key("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        assert_eq!(
            sign(&key, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
        // Any change to id, time or body changes it.
        assert_ne!(
            sign(&key, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpl", 1649367553, body),
            sign(&key, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body)
        );
        assert_ne!(
            sign(&key, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367554, body),
            sign(&key, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body)
        );
    }

    #[test]
    fn rotation_sends_both_and_bad_secrets_are_refused() {
        let (new, old) = (vec![1u8; 32], vec![2u8; 32]);
        let both = header(&[new.clone(), old.clone()], "msg_1", 1, b"{}");
        assert_eq!(
            both,
            format!("{} {}", sign(&new, "msg_1", 1, b"{}"), sign(&old, "msg_1", 1, b"{}"))
        );
        assert_eq!(secret_key("C2FVsBQIhrscChlQIMV+b5sSYspob7oD"), Err(BadSecret));
        assert_eq!(secret_key("whsec_not base64!"), Err(BadSecret));
    }
}
