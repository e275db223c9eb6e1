//! Who may answer for a commitment: the addresses of its owner and co-owners (`to`, `cc`)
//! and their `reply_from` patterns (`*@czt.example.gov.cn`, `*.example.gov.cn` for any
//! subdomain, or an exact address). And whether the office's own server vouches for the
//! sender: `dmarc=fail` in an `Authentication-Results` field written by the configured
//! authserv-id sends the answer to review. Fields written by other servers are not believed
//! (anyone can write one). Pure.

use crate::model::{Commitment, Config, DepartmentId};

use super::parse::Incoming;

/// Whether `sender` may answer for `commitment`.
pub fn allowed(config: &Config, commitment: &Commitment, sender: &str) -> bool {
    let sender = sender.trim().to_lowercase();
    std::iter::once(commitment.owner)
        .chain(commitment.co_owners().iter().copied())
        .any(|department| department_allows(config, department, &sender))
}

fn department_allows(config: &Config, department: DepartmentId, sender: &str) -> bool {
    let department = config.department(department);
    department
        .to
        .iter()
        .chain(&department.cc)
        .any(|address| bare_address(address) == sender)
        || department
            .reply_from
            .iter()
            .any(|pattern| pattern_matches(pattern, sender))
}

/// `Name <a@b>` → `a@b`, lowercased.
pub fn bare_address(address: &str) -> String {
    let address = match (address.rfind('<'), address.rfind('>')) {
        (Some(open), Some(close)) if open < close => &address[open + 1..close],
        _ => address,
    };
    address.trim().to_lowercase()
}

/// `*@domain` (that domain), `*@*.domain` or `*.domain` (any subdomain, and the domain),
/// else an exact address. Patterns are lowercased when the configuration loads.
pub fn pattern_matches(pattern: &str, sender: &str) -> bool {
    let Some((_, domain)) = sender.rsplit_once('@') else {
        return false;
    };
    if let Some(suffix) = pattern
        .strip_prefix("*@*.")
        .or_else(|| pattern.strip_prefix("*."))
    {
        return domain == suffix || domain.ends_with(&format!(".{suffix}"));
    }
    if let Some(exact) = pattern.strip_prefix("*@") {
        return domain == exact;
    }
    if let Some(exact) = pattern.strip_prefix('@') {
        return domain == exact;
    }
    pattern == sender
}

/// `Some(reason)` when the configured authserv-id reports `dmarc=fail`.
pub fn dmarc_failure(config: &Config, incoming: &Incoming) -> Option<String> {
    let trusted = config.replies.authserv_id.as_deref()?.to_lowercase();
    incoming
        .header_values("authentication-results")
        .find_map(|value| {
            let (authserv, results) = value.split_once(';')?;
            let authserv = authserv.split_whitespace().next()?.to_lowercase();
            if authserv != trusted {
                return None;
            }
            results
                .split(';')
                .map(str::trim)
                .find(|result| result.to_ascii_lowercase().starts_with("dmarc=fail"))
                .map(|result| format!("{authserv} reports {result}"))
        })
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn patterns() {
        assert!(pattern_matches(
            "*@czt.example.gov.cn",
            "wang@czt.example.gov.cn"
        ));
        assert!(!pattern_matches(
            "*@czt.example.gov.cn",
            "wang@evil-czt.example.gov.cn"
        ));
        assert!(!pattern_matches(
            "*@czt.example.gov.cn",
            "wang@mail.czt.example.gov.cn"
        ));
        assert!(pattern_matches(
            "*.czt.example.gov.cn",
            "wang@mail.czt.example.gov.cn"
        ));
        assert!(!pattern_matches(
            "*.czt.example.gov.cn",
            "wang@xczt.example.gov.cn"
        ));
        assert!(pattern_matches(
            "li@kjt.example.gov.cn",
            "li@kjt.example.gov.cn"
        ));
    }
}
