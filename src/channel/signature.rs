//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw request body with the app secret.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not of the form sha256=<64 hex digits>")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks `header` (`sha256=<hex>`) against the raw `body`, in constant time.
///
/// Meta signs the ASCII-escaped form of the payload. Bodies on the wire are already escaped,
/// but if a proxy un-escaped non-ASCII characters, the escaped form is tried once as well.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_digest = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    if hex_digest.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if mac_over(secret, body).verify_slice(&expected).is_ok() {
        return Ok(());
    }
    if body.iter().any(|b| *b >= 0x80)
        && let Ok(text) = std::str::from_utf8(body)
        && mac_over(secret, escape_non_ascii(text).as_bytes())
            .verify_slice(&expected)
            .is_ok()
    {
        return Ok(());
    }
    Err(SignatureError::Mismatch)
}

/// The header value Meta would send for `body`; used by the simulator and tests.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let digest = mac_over(secret, body).finalize().into_bytes();
    format!("sha256={}", hex::encode(digest))
}

fn mac_over(secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    mac
}

/// Writes every non-ASCII character as `\uXXXX` (lowercase hex, surrogate pairs), as Meta does.
/// Only valid inside JSON strings, which is the only place JSON has non-ASCII characters.
pub fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE_TEXT: &[u8] = include_bytes!("../../fixtures/wa/text.json");

    #[test]
    fn matches_the_documented_test_vector() {
        let header = "sha256=92960469f60bddb4635cea415037bbb86cb8bb2708db81cc953504d6709a9b93";
        assert_eq!(sign(b"test-app-secret", FIXTURE_TEXT), header);
        assert_eq!(
            verify(b"test-app-secret", FIXTURE_TEXT, Some(header)),
            Ok(())
        );
    }

    #[test]
    fn refuses_missing_malformed_and_forged_signatures() {
        assert_eq!(verify(b"k", b"{}", None), Err(SignatureError::Missing));
        assert_eq!(
            verify(b"k", b"{}", Some("sha1=abc")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"k", b"{}", Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        let forged = sign(b"other-secret", b"{}");
        assert_eq!(
            verify(b"k", b"{}", Some(&forged)),
            Err(SignatureError::Mismatch)
        );
        let right = sign(b"k", b"{}");
        assert_eq!(
            verify(b"k", b"{ }", Some(&right)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn accepts_a_body_whose_non_ascii_was_unescaped_on_the_way() {
        let escaped = br#"{"text":"Terima kasih \ud83d\udc4d caf\u00e9"}"#;
        let raw = "{\"text\":\"Terima kasih \u{1F44D} caf\u{e9}\"}";
        let header = sign(b"k", escaped);
        assert_eq!(verify(b"k", raw.as_bytes(), Some(&header)), Ok(()));
    }
}
