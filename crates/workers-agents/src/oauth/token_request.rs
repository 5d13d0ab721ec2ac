//! A token endpoint request (RFC 6749 §3.2, §4.1.3, §6; RFC 7009 §2.1;
//! RFC 8707 §2.2): its content type, its client's credentials and the grant
//! it asks for, checked in that order. Pure: whether the code, refresh token
//! or secret is valid is the provider's question, asked after this.
//!
//! Parameters sent empty are treated as omitted (RFC 6749 §3.1), unknown
//! ones are ignored (§3.2), and none may be repeated but `resource`
//! (RFC 8707 allows several).

use worker::url::Url;

use super::client_auth::{credentials, ClientCredentials};
use super::error::{ErrorCode, OAuthError};
use super::form;
use super::scope::{parse_scope, Scope};

/// What a token endpoint request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=authorization_code`: exchange a code for tokens.
    AuthorizationCode {
        /// The code.
        code: String,
        /// The redirect URI of the authorization request, if sent.
        redirect_uri: Option<String>,
        /// The PKCE verifier, if sent (its form already checked).
        code_verifier: Option<String>,
    },
    /// `grant_type=refresh_token`: new tokens for a refresh token.
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
    },
    /// A `token` and no `grant_type`: revoke it (RFC 7009).
    Revocation {
        /// The access or refresh token to revoke.
        token: String,
        /// `access_token` or `refresh_token`, if sent: only the order the token is looked up in.
        token_type_hint: Option<String>,
    },
}

/// A parsed token endpoint request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Who the client says it is, and its secret.
    pub credentials: ClientCredentials,
    /// What it asks for.
    pub grant: Grant,
    /// The `scope` asked for (narrowed to the grant's by the provider), if sent.
    pub scope: Option<Scope>,
    /// The `resource` indicators (RFC 8707), each an absolute URI without a fragment.
    pub resource: Vec<String>,
}

/// Parses a token endpoint request from its `Content-Type` and
/// `Authorization` headers and its body.
///
/// | refusal | error (status) |
/// |---|---|
/// | not `application/x-www-form-urlencoded` (parameters such as `charset` are fine) | `invalid_request` (400) |
/// | a bad `%`-escape, not UTF-8, a repeated parameter other than `resource` | `invalid_request` (400) |
/// | no client id, a malformed or non-Basic `Authorization` | `invalid_client` (401) |
/// | Basic and a form secret, or a form `client_id` other than Basic's | `invalid_request` (400) |
/// | no `grant_type` (and no `token`), no `code`, no `refresh_token` | `invalid_request` (400) |
/// | a `code_verifier` that is not 43–128 of `A-Z a-z 0-9 - . _ ~` (RFC 7636 §4.1) | `invalid_request` (400) |
/// | another `grant_type` (`password`, `client_credentials` …) | `unsupported_grant_type` (400) |
/// | a bad `scope` token | `invalid_scope` (400) |
/// | a `resource` that is not an absolute URI, or has a fragment | `invalid_target` (400) |
///
/// A malformed verifier is `invalid_request` rather than `invalid_grant`:
/// it is a bad parameter (RFC 6749 §5.2), found without looking at the code,
/// so like every refusal here it leaves the code unused. A well-formed
/// verifier that does not match is the provider's `invalid_grant`
/// (RFC 7636 §4.6).
pub fn parse_token_request(
    content_type: Option<&str>,
    authorization: Option<&str>,
    body: &str,
) -> Result<TokenRequest, OAuthError> {
    let invalid_request = |why: String| OAuthError::new(ErrorCode::InvalidRequest, why);
    if !content_type.is_some_and(is_form_content_type) {
        return Err(invalid_request("Content-Type must be application/x-www-form-urlencoded".into()));
    }
    let pairs = form::parse_form(body).map_err(invalid_request)?;
    form::no_repeats(&pairs, "resource").map_err(invalid_request)?;
    let param = |name: &str| -> Result<Option<&str>, OAuthError> {
        Ok(form::single(&pairs, name).map_err(invalid_request)?.filter(|v| !v.is_empty()))
    };
    let credentials = credentials(authorization, param("client_id")?, param("client_secret")?)?;
    let grant = match (param("grant_type")?, param("token")?) {
        (None, Some(token)) => {
            Grant::Revocation { token: token.into(), token_type_hint: param("token_type_hint")?.map(Into::into) }
        }
        (None, None) => return Err(invalid_request("grant_type is required".into())),
        (Some("authorization_code"), _) => Grant::AuthorizationCode {
            code: param("code")?.ok_or_else(|| invalid_request("code is required".into()))?.into(),
            redirect_uri: param("redirect_uri")?.map(Into::into),
            code_verifier: param("code_verifier")?.map(check_verifier).transpose()?,
        },
        (Some("refresh_token"), _) => Grant::RefreshToken {
            refresh_token: param("refresh_token")?
                .ok_or_else(|| invalid_request("refresh_token is required".into()))?
                .into(),
        },
        (Some(other), _) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("The grant type {other:?} is not supported"),
            ))
        }
    };
    let scope = param("scope")?
        .map(parse_scope)
        .transpose()
        .map_err(|why| OAuthError::new(ErrorCode::InvalidScope, why))?
        .filter(|s| !s.is_empty());
    let resource = pairs
        .iter()
        .filter(|(name, value)| name == "resource" && !value.is_empty())
        .map(|(_, value)| check_resource(value))
        .collect::<Result<_, _>>()?;
    Ok(TokenRequest { credentials, grant, scope, resource })
}

/// Whether a `Content-Type` is `application/x-www-form-urlencoded`, with
/// parameters or not, in any case.
fn is_form_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// The verifier, if it has RFC 7636 §4.1's form.
fn check_verifier(verifier: &str) -> Result<String, OAuthError> {
    let valid = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if valid {
        Ok(verifier.into())
    } else {
        Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            "code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'",
        ))
    }
}

/// The resource indicator, if it is an absolute URI without a fragment (RFC 8707 §2).
fn check_resource(resource: &str) -> Result<String, OAuthError> {
    match Url::parse(resource) {
        Ok(url) if url.fragment().is_none() => Ok(resource.into()),
        _ => Err(OAuthError::new(
            ErrorCode::InvalidTarget,
            format!("resource {resource:?} must be an absolute URI without a fragment"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    /// `Basic base64("app:s3cret")`.
    const BASIC: &str = "Basic YXBwOnMzY3JldA==";

    fn public() -> ClientCredentials {
        ClientCredentials::Public { client_id: "app".into() }
    }

    fn code(code: &str, redirect_uri: Option<&str>, code_verifier: Option<&str>) -> Grant {
        Grant::AuthorizationCode {
            code: code.into(),
            redirect_uri: redirect_uri.map(Into::into),
            code_verifier: code_verifier.map(Into::into),
        }
    }

    #[test]
    fn accepted_requests() {
        let code_body = format!(
            "grant_type=authorization_code&code=u%3Ag%3Ax&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb\
             &code_verifier={VERIFIER}&client_id=app&resource=https%3A%2F%2Fmcp.example%2Fmcp&state=ignored"
        );
        let cases: Vec<(Option<&str>, Option<&str>, String, TokenRequest)> = vec![
            (
                FORM,
                None,
                code_body.clone(),
                TokenRequest {
                    credentials: public(),
                    grant: code("u:g:x", Some("http://localhost:3000/cb"), Some(VERIFIER)),
                    scope: None,
                    resource: vec!["https://mcp.example/mcp".into()],
                },
            ),
            (
                Some("Application/X-WWW-Form-URLEncoded ; charset=UTF-8"),
                Some(BASIC),
                "grant_type=refresh_token&refresh_token=r1&scope=read+admin&resource=https%3A%2F%2Fa.example\
                 &resource=https%3A%2F%2Fb.example%2F&client_id=app"
                    .into(),
                TokenRequest {
                    credentials: ClientCredentials::Basic { client_id: "app".into(), secret: "s3cret".into() },
                    grant: Grant::RefreshToken { refresh_token: "r1".into() },
                    scope: Some(vec!["read".into(), "admin".into()]),
                    resource: vec!["https://a.example".into(), "https://b.example/".into()],
                },
            ),
            (
                FORM,
                None,
                "grant_type=authorization_code&code=c&client_id=app&client_secret=pw&code_verifier=&redirect_uri=\
                 &scope=&resource="
                    .into(),
                TokenRequest {
                    credentials: ClientCredentials::Post { client_id: "app".into(), secret: "pw".into() },
                    grant: code("c", None, None),
                    scope: None,
                    resource: vec![],
                },
            ),
            (
                FORM,
                None,
                "token=t1&token_type_hint=refresh_token&client_id=app".into(),
                TokenRequest {
                    credentials: public(),
                    grant: Grant::Revocation { token: "t1".into(), token_type_hint: Some("refresh_token".into()) },
                    scope: None,
                    resource: vec![],
                },
            ),
            (
                FORM,
                None,
                "token=t1&client_id=app".into(),
                TokenRequest {
                    credentials: public(),
                    grant: Grant::Revocation { token: "t1".into(), token_type_hint: None },
                    scope: None,
                    resource: vec![],
                },
            ),
        ];
        for (content_type, authorization, body, want) in cases {
            assert_eq!(parse_token_request(content_type, authorization, &body), Ok(want), "{body}");
        }
        // The longest and shortest verifiers.
        for verifier in ["a".repeat(43), "~".repeat(128)] {
            let body = format!("grant_type=authorization_code&code=c&client_id=app&code_verifier={verifier}");
            assert!(parse_token_request(FORM, None, &body).is_ok(), "{verifier}");
        }
    }

    /// Content type, authorization, body, and the refusal's code and status.
    type Refusal<'a> = (Option<&'a str>, Option<&'a str>, String, ErrorCode, u16);

    #[test]
    fn refused_requests() {
        let ok = "grant_type=refresh_token&refresh_token=r1&client_id=app";
        let with_verifier = |v: &str| format!("grant_type=authorization_code&code=c&client_id=app&code_verifier={v}");
        use ErrorCode::*;
        let cases: Vec<Refusal<'_>> = vec![
            (None, None, ok.into(), InvalidRequest, 400),
            (Some("application/json"), None, ok.into(), InvalidRequest, 400),
            (Some("multipart/form-data"), None, ok.into(), InvalidRequest, 400),
            (Some("application/x-www-form-urlencoded-x"), None, ok.into(), InvalidRequest, 400),
            (FORM, None, format!("{ok}&x=%zz"), InvalidRequest, 400),
            (FORM, None, format!("{ok}&x=%FF"), InvalidRequest, 400),
            (FORM, None, format!("{ok}&refresh_token=r2"), InvalidRequest, 400),
            (FORM, None, format!("{ok}&client_id=app"), InvalidRequest, 400),
            (FORM, None, format!("{ok}&unknown=1&unknown=2"), InvalidRequest, 400),
            (FORM, None, "grant_type=refresh_token&refresh_token=r1".into(), InvalidClient, 401),
            (FORM, Some("Basic !!"), ok.into(), InvalidClient, 401),
            (FORM, Some("Bearer abc"), ok.into(), InvalidClient, 401),
            (FORM, Some(BASIC), format!("{ok}&client_secret=s3cret"), InvalidRequest, 400),
            (
                FORM,
                Some(BASIC),
                "grant_type=refresh_token&refresh_token=r1&client_id=other".into(),
                InvalidRequest,
                400,
            ),
            (FORM, None, "client_id=app".into(), InvalidRequest, 400),
            (FORM, None, "grant_type=&client_id=app&code=c".into(), InvalidRequest, 400),
            (FORM, None, "grant_type=authorization_code&client_id=app".into(), InvalidRequest, 400),
            (FORM, None, "grant_type=authorization_code&code=&client_id=app".into(), InvalidRequest, 400),
            (FORM, None, "grant_type=refresh_token&client_id=app".into(), InvalidRequest, 400),
            (FORM, None, with_verifier("short"), InvalidRequest, 400),
            (FORM, None, with_verifier(&"a".repeat(42)), InvalidRequest, 400),
            (FORM, None, with_verifier(&"a".repeat(129)), InvalidRequest, 400),
            (FORM, None, with_verifier(&format!("{VERIFIER}+")), InvalidRequest, 400),
            (FORM, None, with_verifier(&format!("{VERIFIER}%2F")), InvalidRequest, 400),
            (FORM, None, "grant_type=password&username=u&password=p&client_id=app".into(), UnsupportedGrantType, 400),
            (FORM, None, "grant_type=client_credentials&client_id=app".into(), UnsupportedGrantType, 400),
            (FORM, None, "grant_type=implicit&client_id=app".into(), UnsupportedGrantType, 400),
            (FORM, None, "grant_type=Authorization_Code&code=c&client_id=app".into(), UnsupportedGrantType, 400),
            (FORM, None, format!("{ok}&scope=read+%22x%22"), InvalidScope, 400),
            (FORM, None, format!("{ok}&resource=%2Fmcp"), InvalidTarget, 400),
            (FORM, None, format!("{ok}&resource=https%3A%2F%2Fa.example%2F%23frag"), InvalidTarget, 400),
        ];
        for (content_type, authorization, body, code, status) in cases {
            let err = parse_token_request(content_type, authorization, &body).unwrap_err();
            assert_eq!((err.code, err.status()), (code, status), "{content_type:?} {authorization:?} {body}: {err}");
        }
    }

    #[test]
    fn grant_type_wins_over_token() {
        let request = parse_token_request(FORM, None, "grant_type=refresh_token&refresh_token=r&token=t&client_id=a");
        assert_eq!(request.unwrap().grant, Grant::RefreshToken { refresh_token: "r".into() });
    }
}
