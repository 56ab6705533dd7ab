//! Roles and what they may do, as pure data.
//!
//! Seven roles. Four do the supervision work; three are the separated administrators of
//! 三员分立 (system, security, audit), whose duties cannot be combined in one account and
//! who never read case data. [`validate_roles`] enforces the separation; [`allows`] is the
//! one table of who may do what.

use std::fmt;
use std::str::FromStr;

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 检察官: verifies the clues assigned to them.
    Procurator,
    /// 部门负责人: triages and assigns the department's clues, runs models.
    DeptHead,
    /// 数据管理员: brings agency data in.
    DataAdmin,
    /// 模型管理员: maintains the model library and runs models.
    ModelAdmin,
    /// 系统管理员: accounts and system settings; no case data.
    SysAdmin,
    /// 安全保密管理员: roles, departments and access grants; no case data.
    SecurityAdmin,
    /// 安全审计员: reads the audit trail; no case data.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Procurator,
        Role::DeptHead,
        Role::DataAdmin,
        Role::ModelAdmin,
        Role::SysAdmin,
        Role::SecurityAdmin,
        Role::Auditor,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Procurator => "procurator",
            Role::DeptHead => "dept_head",
            Role::DataAdmin => "data_admin",
            Role::ModelAdmin => "model_admin",
            Role::SysAdmin => "sys_admin",
            Role::SecurityAdmin => "security_admin",
            Role::Auditor => "auditor",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Procurator => "检察官",
            Role::DeptHead => "部门负责人",
            Role::DataAdmin => "数据管理员",
            Role::ModelAdmin => "模型管理员",
            Role::SysAdmin => "系统管理员",
            Role::SecurityAdmin => "安全保密管理员",
            Role::Auditor => "安全审计员",
        }
    }

    /// One of the three separated administrators (三员).
    pub fn is_separated_admin(self) -> bool {
        matches!(self, Role::SysAdmin | Role::SecurityAdmin | Role::Auditor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown role code or name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}` (procurator, dept_head, data_admin, model_admin, sys_admin, security_admin, auditor)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    /// Accepts the code or the Chinese name.
    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        let text = text.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.code() == text || r.zh() == text)
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// Why a set of roles cannot be one account's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleConflict {
    /// No role at all.
    #[error("an account needs at least one role")]
    Empty,
    /// Two of the three separated administrators, or one of them with a case-work role.
    #[error(
        "{} ({}) cannot be combined with {} ({}) in one account (三员分立)",
        .0.zh(), .0.code(), .1.zh(), .1.code()
    )]
    Separated(Role, Role),
}

/// Checks the separation of duties: a separated administrator holds no other role.
pub fn validate_roles(roles: &[Role]) -> Result<(), RoleConflict> {
    if roles.is_empty() {
        return Err(RoleConflict::Empty);
    }
    if let Some(admin) = roles.iter().find(|r| r.is_separated_admin())
        && let Some(other) = roles.iter().find(|r| *r != admin)
    {
        return Err(RoleConflict::Separated(*admin, *other));
    }
    Ok(())
}

/// Parses a comma-separated list of role codes (or Chinese names), sorted and deduplicated.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, UnknownRole> {
    let mut roles = text
        .split([',', '，', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect::<Result<Vec<Role>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// Something a user may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Read clues in scope (list, detail with evidence).
    ReadClues,
    /// Triage: assign, reopen, invalidate the department's clues.
    ManageClues,
    /// Work on clues assigned to oneself (accept, comment, conclude).
    WorkClues,
    /// See dataset names, versions and quality reports.
    ReadCatalog,
    /// Ingest files.
    Ingest,
    /// See the model library.
    ReadModels,
    /// Run models.
    RunModels,
    /// Add models to the library (the no-code builder).
    ManageModels,
    /// Create, disable and reset accounts.
    ManageUsers,
    /// Departments, roles and cross-department grants.
    ManageAccess,
    /// Read the audit trail.
    ReadAudit,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 11] = [
        Capability::ReadClues,
        Capability::ManageClues,
        Capability::WorkClues,
        Capability::ReadCatalog,
        Capability::Ingest,
        Capability::ReadModels,
        Capability::RunModels,
        Capability::ManageModels,
        Capability::ManageUsers,
        Capability::ManageAccess,
        Capability::ReadAudit,
    ];

    /// The stable code (the scope a route of the API declares in its OpenAPI security
    /// requirement).
    pub fn code(self) -> &'static str {
        match self {
            Capability::ReadClues => "read_clues",
            Capability::ManageClues => "manage_clues",
            Capability::WorkClues => "work_clues",
            Capability::ReadCatalog => "read_catalog",
            Capability::Ingest => "ingest",
            Capability::ReadModels => "read_models",
            Capability::RunModels => "run_models",
            Capability::ManageModels => "manage_models",
            Capability::ManageUsers => "manage_users",
            Capability::ManageAccess => "manage_access",
            Capability::ReadAudit => "read_audit",
        }
    }

    /// The capability with this code.
    pub fn from_code(code: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Whether a role grants a capability.
pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability as C;
    use Role as R;
    match capability {
        C::ReadClues => matches!(role, R::Procurator | R::DeptHead),
        C::ManageClues => role == R::DeptHead,
        C::WorkClues => matches!(role, R::Procurator | R::DeptHead),
        C::ReadCatalog => matches!(
            role,
            R::Procurator | R::DeptHead | R::DataAdmin | R::ModelAdmin
        ),
        C::Ingest => role == R::DataAdmin,
        C::ReadModels => matches!(
            role,
            R::Procurator | R::DeptHead | R::DataAdmin | R::ModelAdmin
        ),
        C::RunModels => matches!(role, R::DeptHead | R::ModelAdmin),
        C::ManageModels => role == R::ModelAdmin,
        C::ManageUsers => role == R::SysAdmin,
        C::ManageAccess => role == R::SecurityAdmin,
        C::ReadAudit => role == R::Auditor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separated_admins_stand_alone() {
        for admin in Role::ALL.into_iter().filter(|r| r.is_separated_admin()) {
            assert_eq!(validate_roles(&[admin]), Ok(()));
            for other in Role::ALL.into_iter().filter(|r| *r != admin) {
                assert!(validate_roles(&[admin, other]).is_err(), "{admin}+{other}");
                assert!(validate_roles(&[other, admin]).is_err(), "{other}+{admin}");
            }
        }
        assert_eq!(
            validate_roles(&[Role::Procurator, Role::DeptHead, Role::ModelAdmin]),
            Ok(())
        );
        assert_eq!(validate_roles(&[]), Err(RoleConflict::Empty));
    }

    #[test]
    fn separated_admins_never_read_case_data() {
        for admin in Role::ALL.into_iter().filter(|r| r.is_separated_admin()) {
            for capability in [
                Capability::ReadClues,
                Capability::ManageClues,
                Capability::WorkClues,
                Capability::ReadCatalog,
                Capability::Ingest,
                Capability::RunModels,
            ] {
                assert!(!allows(admin, capability), "{admin} {capability:?}");
            }
        }
    }

    #[test]
    fn capability_codes_round_trip() {
        for capability in Capability::ALL {
            assert_eq!(Capability::from_code(capability.code()), Some(capability));
        }
        assert_eq!(Capability::from_code("root"), None);
    }

    #[test]
    fn roles_parse_from_codes_and_names() {
        assert_eq!(
            parse_roles("检察官, dept_head,procurator"),
            Ok(vec![Role::Procurator, Role::DeptHead])
        );
        assert!(parse_roles("root").is_err());
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
            assert_eq!(role.zh().parse::<Role>(), Ok(role));
        }
    }
}
