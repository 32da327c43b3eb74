//! The API key format (integrations, service accounts): `ttk_` + 30 random base62
//! characters + 6 base62 characters of the CRC-32 (IEEE) of those 30, 40 characters in
//! all, alphabet `0-9A-Za-z` in that order. The checksum lets a secret scanner, and the
//! server before any lookup, reject a mistyped or invented key.

/// What every key starts with.
pub const PREFIX: &str = "ttk_";
/// Random characters in a key.
const BODY: usize = 30;
/// Checksum characters (62^6 > 2^32).
const CHECK: usize = 6;
/// Length of a whole key.
pub const LENGTH: usize = PREFIX.len() + BODY + CHECK;
/// Characters after `ttk_` shown to identify a key (never enough to use it).
pub const DISPLAY: usize = 8;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Not `ttk_` + 36 base62 characters.
    Malformed,
    /// The last 6 characters are not the checksum of the 30 before them.
    Checksum,
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib computes it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// `n` in base62, most significant first, left-padded with `0` to `CHECK` characters.
fn base62(mut n: u32) -> String {
    let mut out = [b'0'; CHECK];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// A key from 30 random bytes (each mapped onto the alphabet by rejection-free
/// modulo of a fresh byte stream: the caller passes bytes from a CSPRNG).
pub fn from_random(random: &mut impl FnMut() -> u8) -> String {
    let mut body = String::with_capacity(BODY);
    while body.len() < BODY {
        // 248 = 4 × 62: bytes at or above it are skipped, so every character is equally likely.
        let b = random();
        if b < 248 {
            body.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
    let check = base62(crc32(body.as_bytes()));
    format!("{PREFIX}{body}{check}")
}

/// Checks the format and checksum (no lookup); the display prefix of a good key.
pub fn check(key: &str) -> Result<&str, KeyError> {
    let rest = key.strip_prefix(PREFIX).ok_or(KeyError::Malformed)?;
    if key.len() != LENGTH || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(KeyError::Malformed);
    }
    let (body, check) = rest.split_at(BODY);
    if base62(crc32(body.as_bytes())) != check {
        return Err(KeyError::Checksum);
    }
    Ok(&rest[..DISPLAY])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_the_ieee_one() {
        // The standard check value, and zlib's crc32(b"hello").
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"hello"), 0x3610_A686);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn checksum_is_six_base62_digits_most_significant_first() {
        assert_eq!(base62(0), "000000");
        assert_eq!(base62(61), "00000z");
        assert_eq!(base62(62), "000010");
        assert_eq!(base62(u32::MAX), "4gfFC3");
    }

    #[test]
    fn a_made_key_checks_and_a_typo_does_not() {
        let mut n = 0u8;
        let key = from_random(&mut || {
            n = n.wrapping_add(97);
            n
        });
        assert_eq!(key.len(), LENGTH);
        assert!(key.starts_with(PREFIX));
        assert_eq!(check(&key), Ok(&key[4..12]));
        // One character changed in the body, or the checksum: refused before any lookup.
        let mut typo = key.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(check(std::str::from_utf8(&typo).unwrap()), Err(KeyError::Checksum));
        let mut bad_check = key.clone().into_bytes();
        bad_check[LENGTH - 1] = if bad_check[LENGTH - 1] == b'0' { b'1' } else { b'0' };
        assert_eq!(check(std::str::from_utf8(&bad_check).unwrap()), Err(KeyError::Checksum));
        for malformed in [
            "",
            "ttk_",
            &key[..LENGTH - 1],
            &format!("{key}0"),
            &key.replacen("ttk_", "tk_x", 1),
        ] {
            assert_eq!(check(malformed), Err(KeyError::Malformed), "{malformed:?}");
        }
        assert_eq!(check(&key.replace(&key[20..21], "-")), Err(KeyError::Malformed));
    }

    #[test]
    fn every_alphabet_character_is_reachable_and_bytes_past_247_are_skipped() {
        let mut seen = [false; 62];
        let mut b = 0u8;
        let key = from_random(&mut || {
            b = b.wrapping_add(1);
            b
        });
        for c in key[4..34].bytes() {
            seen[ALPHABET.iter().position(|&a| a == c).unwrap()] = true;
        }
        assert!(seen.iter().filter(|s| **s).count() >= 30);
        let mut only_high = 250u8;
        let mut calls = 0;
        let key = from_random(&mut || {
            calls += 1;
            only_high = if only_high == 250 { 5 } else { 250 };
            only_high
        });
        assert_eq!(&key[4..34], "5".repeat(30));
        assert_eq!(calls, 59, "every byte of 250 was skipped");
    }
}
