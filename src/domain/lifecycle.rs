//! The life of a project and of its certificate, as one rule. A project moves along its status
//! machine (draft → registered ↔ suspended, any → terminated); its current certificate follows:
//! suspended with the project, back in force when it resumes, revoked when it is terminated.
//! Acting on a certificate (suspend, resume, revoke) is acting on its project.

use super::{certificate::CertificateStatus, project::ProjectStatus};

/// A move the law does not allow, with the moves it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRefused {
    /// The status now.
    pub from: ProjectStatus,
    /// The status asked for.
    pub to: ProjectStatus,
}

impl TransitionRefused {
    /// The statuses allowed from `from`.
    pub fn allowed(&self) -> &'static [ProjectStatus] {
        self.from.allowed_next()
    }

    /// The allowed statuses, comma-separated.
    pub fn allowed_list(&self) -> String {
        let names: Vec<&str> = self.allowed().iter().map(|s| s.as_str()).collect();
        names.join(", ")
    }

    /// The explanation for people.
    pub fn detail(&self) -> String {
        let allowed = if self.allowed().is_empty() {
            "none (terminated is final)".to_owned()
        } else {
            self.allowed_list()
        };
        format!(
            "a {} project cannot become {}; allowed: {allowed}",
            self.from, self.to
        )
    }
}

/// Checks a move of a project's status against the status machine.
pub fn check_transition(from: ProjectStatus, to: ProjectStatus) -> Result<(), TransitionRefused> {
    if from.allowed_next().contains(&to) {
        Ok(())
    } else {
        Err(TransitionRefused { from, to })
    }
}

/// True when moving to `to` needs a stated reason (a decision or notice number).
pub fn needs_reason(to: ProjectStatus) -> bool {
    matches!(to, ProjectStatus::Suspended | ProjectStatus::Terminated)
}

/// The status the project's current certificate takes when the project moves to `to`, or `None`
/// when it keeps its status. A first issue (draft → registered) is the certificate being issued,
/// not a change of the current one.
pub fn certificate_follows(
    to: ProjectStatus,
    current: CertificateStatus,
) -> Option<CertificateStatus> {
    use CertificateStatus as C;
    match (to, current) {
        (ProjectStatus::Suspended, C::InForce) => Some(C::Suspended),
        (ProjectStatus::Registered, C::Suspended) => Some(C::InForce),
        (ProjectStatus::Terminated, C::InForce | C::Suspended) => Some(C::Revoked),
        _ => None,
    }
}

/// True when an open draft must be withdrawn as the project moves to `to`.
pub fn withdraws_draft(to: ProjectStatus) -> bool {
    to == ProjectStatus::Terminated
}

/// What an approver does to an issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateAction {
    /// Suspend it (and the project).
    Suspend,
    /// Put it back in force (the project resumes).
    Resume,
    /// Revoke it (the project is terminated).
    Revoke,
}

impl CertificateAction {
    /// The status the project moves to.
    pub fn project_status(self) -> ProjectStatus {
        match self {
            Self::Suspend => ProjectStatus::Suspended,
            Self::Resume => ProjectStatus::Registered,
            Self::Revoke => ProjectStatus::Terminated,
        }
    }

    /// Checks that a certificate in `status` can take this action; the error explains why not.
    /// Only the current version (in force or suspended) can be acted on.
    pub fn check(self, status: CertificateStatus) -> Result<(), String> {
        use CertificateStatus as C;
        let (ok, what, verb) = match self {
            Self::Suspend => (status == C::InForce, "a certificate in_force", "suspended"),
            Self::Resume => (status == C::Suspended, "a certificate suspended", "resumed"),
            Self::Revoke => (
                matches!(status, C::InForce | C::Suspended),
                "the current version (in force or suspended)",
                "revoked",
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "this certificate is {status}; only {what} can be {verb}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CertificateStatus as C;
    use ProjectStatus as P;

    #[test]
    fn the_certificate_follows_the_project_as_the_table_says() {
        let table = [
            (P::Suspended, C::InForce, Some(C::Suspended)),
            (P::Suspended, C::Suspended, None),
            (P::Registered, C::Suspended, Some(C::InForce)),
            (P::Registered, C::InForce, None),
            (P::Terminated, C::InForce, Some(C::Revoked)),
            (P::Terminated, C::Suspended, Some(C::Revoked)),
            (P::Terminated, C::Superseded, None),
            (P::Terminated, C::Revoked, None),
            (P::Draft, C::InForce, None),
        ];
        for (to, now, expected) in table {
            assert_eq!(certificate_follows(to, now), expected, "{to} from {now}");
        }
    }

    #[test]
    fn refused_moves_name_the_allowed_ones() {
        assert!(check_transition(P::Draft, P::Registered).is_ok());
        let refused = check_transition(P::Draft, P::Suspended).unwrap_err();
        assert_eq!(
            refused.detail(),
            "a draft project cannot become suspended; allowed: registered, terminated"
        );
        let fin = check_transition(P::Terminated, P::Registered).unwrap_err();
        assert!(
            fin.detail()
                .ends_with("allowed: none (terminated is final)")
        );
        assert!(needs_reason(P::Suspended) && needs_reason(P::Terminated));
        assert!(!needs_reason(P::Registered));
    }

    #[test]
    fn actions_on_a_certificate_need_the_current_version() {
        assert!(CertificateAction::Suspend.check(C::InForce).is_ok());
        assert!(CertificateAction::Suspend.check(C::Suspended).is_err());
        assert!(CertificateAction::Resume.check(C::Suspended).is_ok());
        assert!(CertificateAction::Revoke.check(C::Suspended).is_ok());
        assert_eq!(
            CertificateAction::Revoke.check(C::Superseded).unwrap_err(),
            "this certificate is superseded; only the current version (in force or suspended) can be revoked"
        );
        assert_eq!(
            CertificateAction::Revoke.project_status(),
            ProjectStatus::Terminated
        );
    }
}
