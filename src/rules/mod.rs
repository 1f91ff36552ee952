//! Every rule, registered once here, sorted by id.

mod authoritative_iam;
mod automation_admin_role;
mod basic_role;
mod default_service_account;
mod deployer_role_create_delete;
mod duplicate_permission;
mod federation_condition;
mod identity;
mod invalid_member;
mod missing_required_permission;
mod missing_service_account;
mod privilege_escalation_permission;
mod project_level_actas;
mod provider_impersonation;
mod public_member;
mod service_account_key;
mod shared_service_account;
mod unknown_permission;
mod unknown_role;
mod unsupported_permission;
mod user_member;
mod workload_identity_federation;

use crate::diagnostic::Label;
use crate::model::Resource;
use crate::model::value::Loc;
use crate::registry::Rule;

/// The value is written inside the resource's block.
pub(crate) fn written_in(res: &Resource, value: &Loc) -> bool {
    value.file == res.file
        && res.block.start <= value.range.start
        && value.range.end <= res.block.end
}

/// Whether a fix may edit the text of permission `val` of `role`: one string literal, exactly
/// the permission, written as an element of a list literal in the role's `permissions` itself.
/// Otherwise why not, for the finding's note: the literal is a piece of a longer string (every
/// element of `split(",", "a,b")` is located at the whole string), a template or a computed
/// value shared by the role's instances, a `for_each` value, or a `local` others may use.
pub(crate) fn permission_literal(
    module: &crate::model::Module,
    role: &crate::model::CustomRole,
    val: &crate::model::value::Val,
    permission: &str,
) -> Result<(), String> {
    if !written_in(&role.res, &val.loc) {
        return Err(format!(
            "`{permission}` is written outside the role (a `local` or a variable others may use): edit it there"
        ));
    }
    let in_attribute = role.permissions.as_ref().is_some_and(|p| {
        p.loc.file == val.loc.file
            && p.loc.range.start <= val.loc.range.start
            && val.loc.range.end <= p.loc.range.end
    });
    if !in_attribute {
        return Err(format!(
            "`{permission}` comes from the role's `for_each` or `count`, shared by its instances: edit it by hand"
        ));
    }
    let Some(file) = module.files.iter().find(|f| f.id == val.loc.file) else {
        return Err("the file is not at hand".into());
    };
    if file.map.is_some() {
        return Err("`--fix` does not edit Terraform JSON".into());
    }
    let text: &str = &file.text;
    let range = val.loc.range.clone();
    let written = text.get(range.clone()).unwrap_or("");
    let inner = match written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
        true => &written[1..written.len() - 1],
        false => {
            return Err(format!(
                "`{permission}` is computed (a function call or a reference): edit the expression by hand"
            ));
        }
    };
    if inner.contains("${") || inner.contains("%{") {
        return Err(format!(
            "`{permission}` comes from a template, the same text for every value it takes: edit it by hand"
        ));
    }
    if inner != permission {
        return Err(format!(
            "`{permission}` is one piece of a longer string (a `split` or similar reads it): edit the string by hand"
        ));
    }
    if !is_list_element(text, range) {
        return Err(format!(
            "`{permission}` is not an element written in a list: edit it by hand"
        ));
    }
    Ok(())
}

/// The text of a line without its `#` or `//` comment (outside strings).
fn without_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string => return &line[..i],
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// `range` is an element of a list literal: `[` or `,` before it and `,` or `]` after it,
/// across blank and comment lines.
fn is_list_element(text: &str, range: std::ops::Range<usize>) -> bool {
    let mut before = text.get(..range.start).unwrap_or("");
    let mut own_line = true;
    let prev = loop {
        let (head, line) = match before.rfind('\n') {
            Some(i) => (&before[..i], &before[i + 1..]),
            None => ("", before),
        };
        // Before the element on its own line there is code only; earlier lines may end in
        // comments.
        let line = if own_line {
            line
        } else {
            without_comment(line)
        };
        if let Some(c) = line.trim_end().chars().last() {
            break Some(c);
        }
        if !before.contains('\n') {
            break None;
        }
        own_line = false;
        before = head;
    };
    let mut after = text.get(range.end..).unwrap_or("");
    let next = loop {
        let (line, tail) = after.split_once('\n').unwrap_or((after, ""));
        if let Some(c) = without_comment(line).trim_start().chars().next() {
            break Some(c);
        }
        if tail.is_empty() {
            break None;
        }
        after = tail;
    };
    matches!(prev, Some('[' | ',')) && matches!(next, Some(',' | ']'))
}

/// When a value was written outside the resource that uses it (a `local`, a variable's default),
/// a label at the resource, so the reader sees both where it comes from and where it lands; for
/// an instance of a resource with `count` or `for_each`, a label naming the instance.
pub(crate) fn used_in(res: &Resource, value: &Loc) -> Option<Label> {
    let message = if !written_in(res, value) {
        format!("used by `{}`", res.address())
    } else if res.instance.is_some() {
        format!("in `{}`", res.address())
    } else {
        return None;
    };
    Some(Label::new(res.file, res.type_label.clone(), message))
}

pub static ALL_RULES: &[&dyn Rule] = &[
    &authoritative_iam::AuthoritativeIam,
    &automation_admin_role::AutomationAdminRole,
    &basic_role::BasicRole,
    &default_service_account::DefaultServiceAccount,
    &deployer_role_create_delete::DeployerRoleCreateDelete,
    &duplicate_permission::DuplicatePermission,
    &invalid_member::InvalidMember,
    &missing_required_permission::MissingRequiredPermission,
    &missing_service_account::MissingServiceAccount,
    &privilege_escalation_permission::PrivilegeEscalationPermission,
    &project_level_actas::ProjectLevelActas,
    &provider_impersonation::ProviderImpersonation,
    &public_member::PublicMember,
    &service_account_key::ServiceAccountKey,
    &shared_service_account::SharedServiceAccount,
    &unknown_permission::UnknownPermission,
    &unknown_role::UnknownRole,
    &unsupported_permission::UnsupportedPermission,
    &user_member::UserMember,
    &workload_identity_federation::WorkloadIdentityFederation,
];
