//! The clue (线索) lifecycle as pure data: statuses, the actions that move a clue between
//! them, and which moves are allowed. The store keeps the status and its history; the
//! workflow front-ends (CLI now, web later) call [`transition`] before writing.
//!
//! The states follow the platform lifecycle of domain.md §2.2: a clue is registered by a model
//! run, triaged, assigned, verified, and either substantiated (then a case is opened, a
//! document issued, a reply awaited, and the clue closed) or not.

use std::fmt;
use std::str::FromStr;

/// Where a clue is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClueStatus {
    /// 新线索: registered by a model run, not yet looked at.
    New,
    /// 已分派: valid, assigned to a procurator.
    Assigned,
    /// 核查中: being verified.
    Verifying,
    /// 属实: verified and substantiated (fully or partly).
    Substantiated,
    /// 不属实: verified, not substantiated.
    NotSubstantiated,
    /// 无效: rejected at triage (data error, outside competence).
    Invalid,
    /// 已移送: transferred to another office or authority.
    Transferred,
    /// 已成案: a supervision case was registered.
    CaseOpened,
    /// 待回复: a document was issued, the reply is awaited.
    AwaitingReply,
    /// 已办结: closed with an outcome.
    Closed,
}

impl ClueStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [ClueStatus; 10] = [
        ClueStatus::New,
        ClueStatus::Assigned,
        ClueStatus::Verifying,
        ClueStatus::Substantiated,
        ClueStatus::NotSubstantiated,
        ClueStatus::Invalid,
        ClueStatus::Transferred,
        ClueStatus::CaseOpened,
        ClueStatus::AwaitingReply,
        ClueStatus::Closed,
    ];

    /// The stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ClueStatus::New => "new",
            ClueStatus::Assigned => "assigned",
            ClueStatus::Verifying => "verifying",
            ClueStatus::Substantiated => "substantiated",
            ClueStatus::NotSubstantiated => "not_substantiated",
            ClueStatus::Invalid => "invalid",
            ClueStatus::Transferred => "transferred",
            ClueStatus::CaseOpened => "case_opened",
            ClueStatus::AwaitingReply => "awaiting_reply",
            ClueStatus::Closed => "closed",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            ClueStatus::New => "新线索",
            ClueStatus::Assigned => "已分派",
            ClueStatus::Verifying => "核查中",
            ClueStatus::Substantiated => "属实",
            ClueStatus::NotSubstantiated => "不属实",
            ClueStatus::Invalid => "无效",
            ClueStatus::Transferred => "已移送",
            ClueStatus::CaseOpened => "已成案",
            ClueStatus::AwaitingReply => "待回复",
            ClueStatus::Closed => "已办结",
        }
    }

    /// True when no further work happens on the clue.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ClueStatus::NotSubstantiated
                | ClueStatus::Invalid
                | ClueStatus::Transferred
                | ClueStatus::Closed
        )
    }
}

impl fmt::Display for ClueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown status code or label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown clue status `{0}` (new, assigned, verifying, substantiated, not_substantiated, invalid, transferred, case_opened, awaiting_reply, closed)"
)]
pub struct UnknownStatus(pub String);

impl FromStr for ClueStatus {
    type Err = UnknownStatus;

    /// Accepts the code or the Chinese label.
    fn from_str(text: &str) -> Result<ClueStatus, UnknownStatus> {
        ClueStatus::ALL
            .into_iter()
            .find(|s| s.code() == text || s.zh() == text)
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

/// What a person does to a clue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClueAction {
    /// Accept at triage and assign to someone.
    Assign,
    /// Start verification.
    StartVerification,
    /// Record that the facts are substantiated.
    Substantiate,
    /// Record that they are not.
    Reject,
    /// Reject at triage as invalid.
    Invalidate,
    /// Transfer elsewhere.
    Transfer,
    /// Register a supervision case.
    OpenCase,
    /// Record that a document was issued and a reply is awaited.
    IssueDocument,
    /// Close with an outcome.
    Close,
    /// 办结 成案: verification concluded with a supervision act taken.
    ConcludeCase,
    /// 办结 不成案: verification concluded without a case.
    ConcludeNoCase,
    /// 重新打开: back to the assignee after a conclusion or a triage rejection.
    Reopen,
}

/// Why an action is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a clue in status {} ({}) cannot be {action:?}", .from.zh(), .from.code())]
pub struct IllegalTransition {
    /// The current status.
    pub from: ClueStatus,
    /// The attempted action.
    pub action: ClueAction,
}

/// The status an action leads to, if allowed from `from`.
pub fn transition(from: ClueStatus, action: ClueAction) -> Result<ClueStatus, IllegalTransition> {
    use ClueAction as A;
    use ClueStatus as S;
    let to = match (from, action) {
        (S::New, A::Assign) => S::Assigned,
        (S::New | S::Assigned, A::Invalidate) => S::Invalid,
        (S::New | S::Assigned | S::Verifying, A::Transfer) => S::Transferred,
        (S::Assigned, A::StartVerification) => S::Verifying,
        (S::Verifying, A::Substantiate) => S::Substantiated,
        (S::Verifying, A::Reject) => S::NotSubstantiated,
        (S::Substantiated, A::OpenCase) => S::CaseOpened,
        (S::CaseOpened, A::IssueDocument) => S::AwaitingReply,
        (S::Substantiated | S::CaseOpened | S::AwaitingReply, A::Close) => S::Closed,
        (S::Verifying | S::Substantiated | S::CaseOpened | S::AwaitingReply, A::ConcludeCase) => {
            S::Closed
        }
        (S::Verifying, A::ConcludeNoCase) => S::NotSubstantiated,
        (S::Closed | S::NotSubstantiated | S::Invalid, A::Reopen) => S::Assigned,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_reaches_closed() {
        let mut status = ClueStatus::New;
        for action in [
            ClueAction::Assign,
            ClueAction::StartVerification,
            ClueAction::Substantiate,
            ClueAction::OpenCase,
            ClueAction::IssueDocument,
            ClueAction::Close,
        ] {
            status = transition(status, action).unwrap();
        }
        assert_eq!(status, ClueStatus::Closed);
    }

    #[test]
    fn the_workbench_path_concludes_and_reopens() {
        let verifying = transition(
            transition(ClueStatus::New, ClueAction::Assign).unwrap(),
            ClueAction::StartVerification,
        )
        .unwrap();
        assert_eq!(
            transition(verifying, ClueAction::ConcludeCase),
            Ok(ClueStatus::Closed)
        );
        assert_eq!(
            transition(verifying, ClueAction::ConcludeNoCase),
            Ok(ClueStatus::NotSubstantiated)
        );
        assert_eq!(
            transition(ClueStatus::Closed, ClueAction::Reopen),
            Ok(ClueStatus::Assigned)
        );
        // No skipping: a new clue cannot be concluded, an assigned one not before acceptance.
        assert!(transition(ClueStatus::New, ClueAction::ConcludeCase).is_err());
        assert!(transition(ClueStatus::Assigned, ClueAction::ConcludeNoCase).is_err());
        assert!(transition(ClueStatus::Verifying, ClueAction::Reopen).is_err());
    }

    #[test]
    fn terminal_states_accept_nothing_but_reopen() {
        for status in ClueStatus::ALL.into_iter().filter(|s| s.is_terminal()) {
            for action in [
                ClueAction::Assign,
                ClueAction::Close,
                ClueAction::Transfer,
                ClueAction::Reject,
            ] {
                assert!(transition(status, action).is_err(), "{status} {action:?}");
            }
        }
    }

    #[test]
    fn codes_and_labels_parse() {
        for status in ClueStatus::ALL {
            assert_eq!(status.code().parse::<ClueStatus>(), Ok(status));
            assert_eq!(status.zh().parse::<ClueStatus>(), Ok(status));
        }
        assert!("open".parse::<ClueStatus>().is_err());
    }
}
