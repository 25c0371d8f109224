//! Tokens and codes: random, shown once, stored only as SHA-256.

use doorstep_domain::sha256_hex;

use crate::{PlannerError, Result};

/// A fresh random secret of `bytes` bytes, hex-encoded.
pub fn random_secret(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| PlannerError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}

/// An enrolment code a person can type: 10 characters from an alphabet without look-alikes.
pub fn enrolment_code() -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 10];
    getrandom::fill(&mut buf).map_err(|e| PlannerError::Internal(format!("no randomness: {e}")))?;
    Ok(buf
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// What is stored for a secret.
pub fn hash_secret(secret: &str) -> String {
    sha256_hex(secret.trim().to_uppercase().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_hashes_ignore_case_and_spaces() {
        let code = enrolment_code().unwrap();
        assert_eq!(code.len(), 10);
        assert!(!code.contains('O') && !code.contains('0') && !code.contains('I'));
        assert_eq!(
            hash_secret(&code),
            hash_secret(&format!(" {} ", code.to_lowercase()))
        );
        assert_ne!(random_secret(32).unwrap(), random_secret(32).unwrap());
    }
}
