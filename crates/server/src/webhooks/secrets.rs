//! Endpoint secrets: `whsec_` + base64 of 32 random bytes, shown once, stored
//! encrypted with AES-256-GCM under a key from `WEBHOOK_SECRET_KEY`, else derived from
//! the token signing key kept in the database.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use sha2::{Digest, Sha256};

use super::signature::SECRET_PREFIX;

/// Encrypts and decrypts endpoint secrets.
pub struct SecretBox {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)?;
    Ok(buf)
}

impl SecretBox {
    /// From `WEBHOOK_SECRET_KEY` when set, else from the token signing secret.
    pub fn new(configured: Option<&str>, signing_secret: &str) -> SecretBox {
        let bytes: [u8; 32] = match configured {
            Some(key) => Sha256::digest(key.as_bytes()).into(),
            None => {
                let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes()).expect("any key length");
                mac.update(b"tracetrack webhook secrets v1");
                mac.finalize().into_bytes().into()
            }
        };
        let key = UnboundKey::new(&AES_256_GCM, &bytes).expect("a 32-byte key");
        SecretBox {
            key: LessSafeKey::new(key),
        }
    }

    /// A fresh `whsec_` secret.
    pub fn generate() -> Result<String, getrandom::Error> {
        Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(random::<32>()?)))
    }

    /// The stored form: base64 of nonce and ciphertext.
    pub fn seal(&self, secret: &str) -> Result<String, getrandom::Error> {
        let nonce = random::<NONCE_LEN>()?;
        let mut data = secret.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .expect("AES-GCM seals any message this short");
        let mut out = nonce.to_vec();
        out.extend(data);
        Ok(STANDARD.encode(out))
    }

    /// The secret of a stored form (`None`: not sealed with this key).
    pub fn open(&self, stored: &str) -> Option<String> {
        let raw = STANDARD.decode(stored).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = sealed.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut data).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key() {
        let secret = SecretBox::generate().unwrap();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(super::super::signature::secret_key(&secret).unwrap().len(), 32);
        let one = SecretBox::new(None, "signing-secret-one");
        let stored = one.seal(&secret).unwrap();
        assert!(!stored.contains(&secret[6..]), "stored in the clear");
        assert_ne!(stored, one.seal(&secret).unwrap(), "a fresh nonce each time");
        assert_eq!(one.open(&stored).as_deref(), Some(secret.as_str()));
        assert_eq!(SecretBox::new(None, "signing-secret-two").open(&stored), None);
        assert_eq!(
            SecretBox::new(Some("configured"), "signing-secret-one").open(&stored),
            None
        );
        assert_eq!(one.open("not base64!"), None);
    }
}
