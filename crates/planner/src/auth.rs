//! Tokens and codes: random, shown once, stored only as SHA-256.

use doorstep_domain::sha256_hex;

use crate::{PlannerError, Result};

/// Where secrets get their randomness: the operating system in production, a seeded
/// generator in the simulation (which must not read real randomness).
pub trait Entropy: Send + Sync {
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// The operating system's randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|e| PlannerError::Internal(format!("no randomness: {e}")))
    }
}

/// A fresh random secret of `bytes` bytes, hex-encoded.
pub fn random_secret(entropy: &dyn Entropy, bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    entropy.fill(&mut buf)?;
    Ok(hex::encode(buf))
}

/// An enrolment code a person can type: 10 characters from an alphabet without look-alikes.
pub fn enrolment_code(entropy: &dyn Entropy) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 10];
    entropy.fill(&mut buf)?;
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
        let code = enrolment_code(&OsEntropy).unwrap();
        assert_eq!(code.len(), 10);
        assert!(!code.contains('O') && !code.contains('0') && !code.contains('I'));
        assert_eq!(
            hash_secret(&code),
            hash_secret(&format!(" {} ", code.to_lowercase()))
        );
        assert_ne!(
            random_secret(&OsEntropy, 32).unwrap(),
            random_secret(&OsEntropy, 32).unwrap()
        );
    }
}
