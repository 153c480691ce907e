//! Function names, qualifiers and ARNs, validated once at the edge.
//!
//! Patterns are Lambda's (botocore's `service-2.json`); they are matched by
//! hand because each is a handful of character classes, which is clearer
//! than pulling in a regex engine for them.

use crate::error::{Error, Result};

/// Lambda's pattern for `FunctionName` (as AWS prints it in messages).
pub const FUNCTION_NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
/// Lambda's pattern for `Qualifier`.
pub const QUALIFIER_PATTERN: &str = "(|[a-zA-Z0-9$_-]+)";
/// Lambda's pattern for an alias `Name`.
pub const ALIAS_PATTERN: &str = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";
/// Lambda's pattern for an IAM role ARN.
pub const ROLE_PATTERN: &str = "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";

/// The version every function has, which follows its latest code.
pub const LATEST: &str = "$LATEST";

/// Where ARNs say the functions live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnScope {
    /// e.g. `us-east-1`.
    pub region: String,
    /// Twelve digits, e.g. `000000000000`.
    pub account_id: String,
}

impl Default for ArnScope {
    fn default() -> Self {
        Self { region: "us-east-1".into(), account_id: "000000000000".into() }
    }
}

impl ArnScope {
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`.
    pub fn function_arn(&self, name: &str) -> String {
        format!("arn:aws:lambda:{}:{}:function:{name}", self.region, self.account_id)
    }

    /// The function ARN with `:QUALIFIER` appended.
    pub fn qualified_arn(&self, name: &str, qualifier: &str) -> String {
        format!("{}:{qualifier}", self.function_arn(name))
    }
}

/// A function as a request names it: a name, a partial ARN or a full ARN,
/// with an optional qualifier from the ARN's last part or the `Qualifier`
/// parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The bare function name.
    pub name: String,
    /// A version (`$LATEST`, `1`, …) or an alias, if one was given.
    pub qualifier: Option<String>,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_qualifier_char(c: char) -> bool {
    is_name_char(c) || c == '$'
}

impl FunctionRef {
    /// Parses `FunctionName` (and an optional separate `Qualifier`).
    pub fn parse(function_name: &str, qualifier: Option<&str>) -> Result<Self> {
        let invalid = || Error::pattern(function_name, "functionName", FUNCTION_NAME_PATTERN);
        if function_name.is_empty() || function_name.len() > 140 {
            return Err(Error::length(function_name, "functionName", 1, 140));
        }
        let parts: Vec<&str> = function_name.split(':').collect();
        let (name, arn_qualifier) = match parts.as_slice() {
            [name] => (*name, None),
            [name, qualifier] => (*name, Some(*qualifier)),
            [account, "function", name] if is_account(account) => (*name, None),
            [account, "function", name, qualifier] if is_account(account) => (*name, Some(*qualifier)),
            ["arn", partition, "lambda", region, account, "function", name, rest @ ..]
                if partition.starts_with("aws") && is_region(region) && is_account(account) && rest.len() <= 1 =>
            {
                (*name, rest.first().copied())
            }
            _ => return Err(invalid()),
        };
        if name.is_empty() || !name.chars().all(is_name_char) {
            return Err(invalid());
        }
        if name.len() > 64 {
            return Err(Error::length(name, "functionName", 1, 64));
        }
        if let Some(q) = arn_qualifier
            && (q.is_empty() || !(q == LATEST || q.chars().all(is_name_char)))
        {
            return Err(invalid());
        }
        let separate = match qualifier {
            None | Some("") => None,
            Some(q) => Some(parse_qualifier(q)?),
        };
        let qualifier = match (arn_qualifier, separate) {
            (Some(a), Some(s)) if a != s => {
                return Err(Error::InvalidParameter(
                    "The derived qualifier from the function name does not match the specified qualifier.".into(),
                ));
            }
            (a, s) => a.map(str::to_string).or(s),
        };
        Ok(Self { name: name.to_string(), qualifier })
    }

    /// Parses a name for CreateFunction, which takes no qualifier.
    pub fn parse_unqualified(function_name: &str) -> Result<Self> {
        let parsed = Self::parse(function_name, None)?;
        if parsed.qualifier.is_some() {
            return Err(Error::pattern(function_name, "functionName", FUNCTION_NAME_PATTERN));
        }
        Ok(parsed)
    }
}

/// Validates a `Qualifier` parameter.
pub fn parse_qualifier(qualifier: &str) -> Result<String> {
    if qualifier.len() > 128 {
        return Err(Error::length(qualifier, "qualifier", 1, 128));
    }
    if !qualifier.chars().all(is_qualifier_char) {
        return Err(Error::pattern(qualifier, "qualifier", QUALIFIER_PATTERN));
    }
    Ok(qualifier.to_string())
}

/// Validates an alias name: Lambda's characters, not all digits.
pub fn parse_alias_name(name: &str) -> Result<String> {
    if name.is_empty() || name.len() > 128 {
        return Err(Error::length(name, "name", 1, 128));
    }
    if !name.chars().all(is_name_char) || name.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::pattern(name, "name", ALIAS_PATTERN));
    }
    Ok(name.to_string())
}

/// Validates an IAM role ARN against Lambda's pattern.
pub fn validate_role(role: &str) -> Result<()> {
    let invalid = || Error::pattern(role, "role", ROLE_PATTERN);
    let rest = role.strip_prefix("arn:").ok_or_else(invalid)?;
    let (partition, rest) = rest.split_once(':').ok_or_else(invalid)?;
    if !(partition.is_empty() || partition.starts_with("aws"))
        || !partition.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
    {
        return Err(invalid());
    }
    let rest = rest.strip_prefix("iam::").ok_or_else(invalid)?;
    let (account, rest) = rest.split_once(':').ok_or_else(invalid)?;
    let path = rest.strip_prefix("role").ok_or_else(invalid)?;
    let path = path.strip_prefix('/').unwrap_or(path);
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@-_/".contains(c);
    if !is_account(account) || path.is_empty() || !path.chars().all(allowed) {
        return Err(invalid());
    }
    Ok(())
}

/// Whether a qualifier names a version (`$LATEST` or digits) rather than an alias.
pub fn is_version(qualifier: &str) -> bool {
    qualifier == LATEST || (!qualifier.is_empty() && qualifier.chars().all(|c| c.is_ascii_digit()))
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.chars().all(|c| c.is_ascii_digit())
}

fn is_region(text: &str) -> bool {
    // e.g. us-east-1, us-gov-west-1, eu-isoe-west-1: letters and dashes, a digit last.
    let mut parts = text.split('-');
    parts.next().is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && text.ends_with(|c: char| c.is_ascii_digit())
        && text.split('-').count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_partial_and_full_arns_parse() {
        let plain = FunctionRef::parse("hello", None).unwrap();
        assert_eq!((plain.name.as_str(), plain.qualifier), ("hello", None));
        let alias = FunctionRef::parse("hello:live", None).unwrap();
        assert_eq!(alias.qualifier.as_deref(), Some("live"));
        let partial = FunctionRef::parse("000000000000:function:hello", Some("3")).unwrap();
        assert_eq!((partial.name.as_str(), partial.qualifier.as_deref()), ("hello", Some("3")));
        let full = FunctionRef::parse("arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST", None).unwrap();
        assert_eq!((full.name.as_str(), full.qualifier.as_deref()), ("hello", Some("$LATEST")));
    }

    #[test]
    fn bad_names_are_validation_errors_in_aws_form() {
        let err = FunctionRef::parse("bad name!", None).unwrap_err();
        let Error::Validation(message) = err else { panic!("{err:?}") };
        assert!(message.starts_with(
            "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        ));
        assert!(matches!(FunctionRef::parse(&"a".repeat(65), None), Err(Error::Validation(_))));
        assert!(matches!(FunctionRef::parse("", None), Err(Error::Validation(_))));
    }

    #[test]
    fn a_qualifier_that_disagrees_with_the_arn_is_refused() {
        assert!(matches!(FunctionRef::parse("hello:1", Some("2")), Err(Error::InvalidParameter(_))));
        assert!(FunctionRef::parse("hello:1", Some("1")).is_ok());
    }

    #[test]
    fn roles_follow_lambdas_pattern() {
        assert!(validate_role("arn:aws:iam::000000000000:role/lambda-role").is_ok());
        assert!(validate_role("arn:aws:iam::000000000000:role/service-role/x.y@z").is_ok());
        assert!(validate_role("lambda-role").is_err());
        assert!(validate_role("arn:aws:iam::0000:role/x").is_err());
    }

    #[test]
    fn alias_names_are_not_all_digits() {
        assert!(parse_alias_name("live").is_ok());
        assert!(parse_alias_name("123").is_err());
        assert!(parse_alias_name("a.b").is_err());
    }
}
