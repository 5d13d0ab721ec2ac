//! The provider's cryptography, all through the runtime's Web Crypto (no
//! crypto crate in the bundle): SHA-256 (stored hashes, PKCE S256),
//! HMAC-SHA256 (keys derived from a token, signed cookies), AES-256-GCM
//! (props at rest), random secrets from `crypto.getRandomValues`, and the
//! RS256 / ES256 signatures of other servers' JWTs (public keys as JWKs).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use worker::js_sys::{self, Array, Object, Reflect, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;

use super::jwks::KeyMaterial;
use super::jwt::JwsAlgorithm;

#[wasm_bindgen]
extern "C" {
    /// `crypto.subtle`.
    type Subtle;

    #[wasm_bindgen(method, catch)]
    fn digest(this: &Subtle, algorithm: &str, data: &Uint8Array) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(
        this: &Subtle,
        format: &str,
        key: &Uint8Array,
        algorithm: &JsValue,
        extractable: bool,
        usages: &Array,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_jwk(
        this: &Subtle,
        format: &str,
        key: &Object,
        algorithm: &JsValue,
        extractable: bool,
        usages: &Array,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(
        this: &Subtle,
        algorithm: &JsValue,
        key: &JsValue,
        signature: &Uint8Array,
        data: &Uint8Array,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn sign(this: &Subtle, algorithm: &str, key: &JsValue, data: &Uint8Array) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn encrypt(
        this: &Subtle,
        algorithm: &JsValue,
        key: &JsValue,
        data: &Uint8Array,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn decrypt(
        this: &Subtle,
        algorithm: &JsValue,
        key: &JsValue,
        data: &Uint8Array,
    ) -> Result<js_sys::Promise, JsValue>;
}

/// A Web Crypto failure (or a ciphertext that does not decrypt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoError(pub String);

impl std::fmt::Display for CryptoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "crypto: {}", self.0)
    }
}

impl std::error::Error for CryptoError {}

fn failed(what: &str, error: JsValue) -> CryptoError {
    let message =
        error.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{error:?}"));
    CryptoError(format!("{what}: {message}"))
}

fn subtle() -> Result<Subtle, CryptoError> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|e| failed("crypto", e))?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(|e| failed("crypto.subtle", e))?;
    if subtle.is_undefined() {
        return Err(CryptoError("crypto.subtle is not available".into()));
    }
    Ok(subtle.unchecked_into())
}

async fn bytes_of(what: &str, promise: Result<js_sys::Promise, JsValue>) -> Result<Vec<u8>, CryptoError> {
    let buffer = JsFuture::from(promise.map_err(|e| failed(what, e))?).await.map_err(|e| failed(what, e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// `n` random bytes from the runtime's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| CryptoError(format!("random: {e}")))?;
    Ok(bytes)
}

/// A random secret of `chars` characters of `[A-Za-z0-9_-]` (6 bits each).
pub fn random_token(chars: usize) -> Result<String, CryptoError> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    Ok(random_bytes(chars)?.iter().map(|b| ALPHABET[usize::from(b & 63)] as char).collect())
}

/// SHA-256 of `data`.
pub async fn sha256(data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    bytes_of("SHA-256", subtle()?.digest("SHA-256", &Uint8Array::from(data))).await
}

/// SHA-256 of `text`, as lower-case hex (how tokens, codes and secrets are stored).
pub async fn sha256_hex(text: &str) -> Result<String, CryptoError> {
    Ok(hex(&sha256(text.as_bytes()).await?))
}

/// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)), unpadded.
pub async fn pkce_challenge(verifier: &str) -> Result<String, CryptoError> {
    Ok(base64url(&sha256(verifier.as_bytes()).await?))
}

/// HMAC-SHA256 of `data` under `key`.
pub async fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let subtle = subtle()?;
    let algorithm = Object::new();
    set(&algorithm, "name", &"HMAC".into());
    set(&algorithm, "hash", &"SHA-256".into());
    let usages = Array::of1(&"sign".into());
    let key = JsFuture::from(
        subtle
            .import_key("raw", &Uint8Array::from(key), &algorithm, false, &usages)
            .map_err(|e| failed("HMAC key", e))?,
    )
    .await
    .map_err(|e| failed("HMAC key", e))?;
    bytes_of("HMAC", subtle.sign("HMAC", &key, &Uint8Array::from(data))).await
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property of a plain new object cannot fail.
    let _ = Reflect::set(object, &key.into(), value);
}

async fn aes_key(subtle: &Subtle, key: &[u8], usage: &str) -> Result<JsValue, CryptoError> {
    if key.len() != 32 {
        return Err(CryptoError("an AES-256 key is 32 bytes".into()));
    }
    let usages = Array::of1(&usage.into());
    let promise = subtle.import_key("raw", &Uint8Array::from(key), &"AES-GCM".into(), false, &usages);
    JsFuture::from(promise.map_err(|e| failed("AES key", e))?).await.map_err(|e| failed("AES key", e))
}

fn gcm(iv: &[u8]) -> JsValue {
    let algorithm = Object::new();
    set(&algorithm, "name", &"AES-GCM".into());
    set(&algorithm, "iv", &Uint8Array::from(iv).into());
    algorithm.into()
}

/// Length of the random nonce [`seal`] puts before its ciphertext.
const NONCE_BYTES: usize = 12;

/// AES-256-GCM: a fresh random nonce, then the ciphertext and its tag.
pub async fn seal(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let subtle = subtle()?;
    let key = aes_key(&subtle, key, "encrypt").await?;
    let nonce = random_bytes(NONCE_BYTES)?;
    let mut sealed = nonce.clone();
    sealed.extend(bytes_of("AES-GCM", subtle.encrypt(&gcm(&nonce), &key, &Uint8Array::from(plaintext))).await?);
    Ok(sealed)
}

/// Opens what [`seal`] made with the same key; a wrong key or any change
/// of the bytes is an error.
pub async fn open(key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_BYTES + 16 {
        return Err(CryptoError("sealed data is too short".into()));
    }
    let subtle = subtle()?;
    let key = aes_key(&subtle, key, "decrypt").await?;
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    bytes_of("AES-GCM", subtle.decrypt(&gcm(nonce), &key, &Uint8Array::from(ciphertext)))
        .await
        .map_err(|_| CryptoError("the data does not decrypt with this key".into()))
}

/// The Web Crypto algorithm objects for `alg`: to import its key, and to verify.
fn signature_algorithms(alg: JwsAlgorithm) -> (Object, Object) {
    let (import, verify) = (Object::new(), Object::new());
    match alg {
        JwsAlgorithm::Rs256 => {
            set(&import, "name", &"RSASSA-PKCS1-v1_5".into());
            set(&import, "hash", &"SHA-256".into());
            set(&verify, "name", &"RSASSA-PKCS1-v1_5".into());
        }
        JwsAlgorithm::Es256 => {
            set(&import, "name", &"ECDSA".into());
            set(&import, "namedCurve", &"P-256".into());
            set(&verify, "name", &"ECDSA".into());
            set(&verify, "hash", &"SHA-256".into());
        }
    }
    (import, verify)
}

/// The public key as the JWK Web Crypto imports: its parameters only (no
/// `alg`, `use` or `key_ops` for the import to disagree with).
fn jwk_object(key: &KeyMaterial) -> Object {
    let jwk = Object::new();
    match key {
        KeyMaterial::Rsa { n, e } => {
            set(&jwk, "kty", &"RSA".into());
            set(&jwk, "n", &n.into());
            set(&jwk, "e", &e.into());
        }
        KeyMaterial::P256 { x, y } => {
            set(&jwk, "kty", &"EC".into());
            set(&jwk, "crv", &"P-256".into());
            set(&jwk, "x", &x.into());
            set(&jwk, "y", &y.into());
        }
    }
    jwk
}

/// Whether `signature` is `key`'s signature of `data` under `alg` (RS256:
/// RSASSA-PKCS1-v1_5 with SHA-256; ES256: ECDSA P-256 with SHA-256, the
/// signature as `r || s`). `Err` when the key does not fit the algorithm or
/// does not import.
pub async fn verify_signature(
    alg: JwsAlgorithm,
    key: &KeyMaterial,
    data: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    if !key.fits(alg) {
        return Err(CryptoError(format!("the key is not a key for {alg}")));
    }
    let subtle = subtle()?;
    let (import, verify) = signature_algorithms(alg);
    let usages = Array::of1(&"verify".into());
    let promise = subtle.import_jwk("jwk", &jwk_object(key), &import, false, &usages);
    let key =
        JsFuture::from(promise.map_err(|e| failed("public key", e))?).await.map_err(|e| failed("public key", e))?;
    let promise = subtle.verify(&verify, &key, &Uint8Array::from(signature), &Uint8Array::from(data));
    let valid = JsFuture::from(promise.map_err(|e| failed("verify", e))?).await.map_err(|e| failed("verify", e))?;
    Ok(valid.as_bool() == Some(true))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unpadded base64url (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    super::base64::encode_url(bytes)
}

/// Whether two byte strings are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        // RFC 4648 test vectors, unpadded and URL-safe.
        for (input, output) in
            [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        {
            assert_eq!(base64url(input.as_bytes()), output);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn random_tokens_use_the_alphabet() {
        let token = random_token(43).unwrap();
        assert_eq!(token.len(), 43);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(token, random_token(43).unwrap());
    }
}
