//! The two in-process layers a sandboxed service gets on top of bubblewrap's
//! namespaces: a seccomp filter that refuses the system calls no service needs, and a
//! Landlock ruleset that allows writes only under the service's own folders.
//!
//! Both only ever narrow what the process may do; a kernel without Landlock gets the
//! other layers (bubblewrap's mounts already decide what exists), a kernel without
//! seccomp gets an error, never a silent pass.

use std::collections::BTreeMap;
use std::ffi::OsStr;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// System calls refused with EPERM: they change the system (mount, modules, time,
/// reboot), reach into other processes (ptrace, process_vm_*), escape namespaces
/// (setns, unshare), or widen the kernel's attack surface (bpf, userfaultfd, keyrings,
/// perf). Node, Python and common runtimes use none of them.
const DENIED: &[i64] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_kcmp,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_open_tree,
    libc::SYS_move_mount,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_setns,
    libc::SYS_unshare,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_clock_adjtime,
    libc::SYS_adjtimex,
    libc::SYS_syslog,
    libc::SYS_vhangup,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_iopl,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_ioperm,
];

/// The error of a filter that could not be built or loaded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(String);

fn arch() -> Result<TargetArch, FilterError> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| FilterError(format!("unsupported architecture: {e}")))
}

/// The deny list as a BPF program: EPERM for [`DENIED`] and for `clone` asking for a
/// new user namespace.
fn deny_program() -> Result<BpfProgram, FilterError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED.iter().map(|&nr| (nr, Vec::new())).collect();
    let new_user = libc::CLONE_NEWUSER as u64;
    let condition = SeccompCondition::new(
        0,
        SeccompCmpArgLen::Qword,
        SeccompCmpOp::MaskedEq(new_user),
        new_user,
    )
    .map_err(|e| FilterError(e.to_string()))?;
    let rule = SeccompRule::new(vec![condition]).map_err(|e| FilterError(e.to_string()))?;
    rules.insert(libc::SYS_clone, vec![rule]);
    program(rules, libc::EPERM)
}

/// `clone3` passes its flags in memory a filter cannot read: it answers ENOSYS, so libc
/// falls back to `clone`, whose flags the deny program checks (as container runtimes do).
fn clone3_program() -> Result<BpfProgram, FilterError> {
    let rules = BTreeMap::from([(libc::SYS_clone3, Vec::new())]);
    program(rules, libc::ENOSYS)
}

/// A filter that allows everything but `rules`, which fail with `errno`.
fn program(rules: BTreeMap<i64, Vec<SeccompRule>>, errno: i32) -> Result<BpfProgram, FilterError> {
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        arch()?,
    )
    .map_err(|e| FilterError(e.to_string()))?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| FilterError(e.to_string()))
}

/// Loads both filters into this process (and so into everything it execs); sets
/// `no_new_privs` first.
pub fn apply_seccomp() -> Result<(), FilterError> {
    let deny = deny_program()?;
    let clone3 = clone3_program()?;
    seccompiler::apply_filter(&deny).map_err(|e| FilterError(e.to_string()))?;
    seccompiler::apply_filter(&clone3).map_err(|e| FilterError(e.to_string()))
}

/// Allows reads everywhere the sandbox shows and writes only under `writable`, with
/// Landlock where the kernel has it (best effort: an older kernel enforces what it
/// knows, none at all is not an error).
pub fn restrict_paths(writable: &[&OsStr]) -> Result<(), FilterError> {
    use landlock::{
        path_beneath_rules, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, ABI,
    };
    let abi = ABI::V3;
    let err = |e: landlock::RulesetError| FilterError(e.to_string());
    Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(err)?
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(["/"], AccessFs::from_read(abi)))
        .map_err(err)?
        .add_rules(path_beneath_rules(writable, AccessFs::from_all(abi)))
        .map_err(err)?
        .restrict_self()
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_programs_compile_for_this_machine() {
        assert!(!deny_program().unwrap().is_empty());
        assert!(!clone3_program().unwrap().is_empty());
    }
}
